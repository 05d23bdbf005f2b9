/**
 * Next / previous photo in the grid's order, for the editor's arrow keys and "next
 * unreviewed". The walk starts from a photo id, not an index: marking a photo can take it
 * out of a status-filtered grid (a "predicted" filter loses the photo just corrected), and
 * the walk must still go on from where that photo was.
 */
import type { Photo, PhotoStatus } from '../../api/types';
import type { ParsedPhotoQuery } from '../store/photoQuery';
import type { Store } from '../store/store';

export type WalkDirection = 'next' | 'previous';

export interface PhotoWalkInput {
  /** The grid's query (filters and order); paging is ignored. */
  query: ParsedPhotoQuery;
  /** Where the walk starts (it is never the answer). */
  photoId: number;
  direction: WalkDirection;
  /** Skip photos whose badge is 'reviewed'. */
  unreviewed: boolean;
}

export interface PhotoWalkStep {
  photo: Photo;
  /** The photo's index in the grid's result. */
  index: number;
  /** Photos in the grid's result. */
  total: number;
}

const NOT_REVIEWED: readonly PhotoStatus[] = ['none', 'predicted', 'corrected'];

/**
 * The photo after (or before) `photoId` in the grid's order that the grid shows and,
 * with `unreviewed`, whose badge is not reviewed; null when there is none that way. A
 * start photo that left the grid through its status is placed where the grid's order
 * puts it; one the grid does not know at all makes the walk start at the grid's edge.
 */
export function walkPhotos(store: Store, input: PhotoWalkInput): PhotoWalkStep | null {
  const { query, photoId, direction, unreviewed } = input;
  const shown = store.listPhotoIds(query);
  const shownIndex = new Map(shown.map((id, index) => [id, index]));
  // The same order without the status filter places a start photo that the filter dropped.
  const ordered = query.status ? store.listPhotoIds({ ...query, status: undefined }) : shown;
  let candidates: ReadonlySet<number> = new Set(shown);
  if (unreviewed) {
    const statuses = (query.status ?? NOT_REVIEWED).filter((status) => NOT_REVIEWED.includes(status));
    candidates = new Set(statuses.length === 0 ? [] : store.listPhotoIds({ ...query, status: statuses }));
  }
  const step = direction === 'next' ? 1 : -1;
  const start = ordered.indexOf(photoId);
  let position = start >= 0 ? start + step : direction === 'next' ? 0 : ordered.length - 1;
  for (; position >= 0 && position < ordered.length; position += step) {
    const id = ordered[position]!;
    if (!candidates.has(id)) continue;
    const photo = store.getPhoto(id);
    const index = shownIndex.get(id);
    if (photo && index !== undefined) return { photo, index, total: shown.length };
  }
  return null;
}
