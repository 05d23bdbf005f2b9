/**
 * Opens one photo in the mask editor from the datasets view, with the dataset as the
 * editor's current one (masks are read from and saved into it). The editor walks the
 * grid's order, so the photo is found in the grid's current result; when the filters hide
 * it, they are cleared first.
 */
import type { Studio } from '../app/studio';

async function gridIndexOf(studio: Studio, photoId: number): Promise<number | null> {
  const { client, library } = studio;
  // The step before the photo gives its index; none before means it is the first.
  const previous = await client.call('library.walk', { ...library.query, photoId, direction: 'previous' });
  const index = previous ? previous.index + 1 : 0;
  const photo = await library.loadPhotoAt(index);
  return photo?.id === photoId ? index : null;
}

/** False (with a notice) when the photo is not in any open library folder. */
export async function openInEditor(studio: Studio, photoId: number, datasetId: number): Promise<boolean> {
  const { annotation, datasets, library, navigation, notices, viewer } = studio;
  try {
    let index = await gridIndexOf(studio, photoId);
    if (index === null && library.isFiltered) {
      library.resetFilters();
      await library.refresh();
      index = await gridIndexOf(studio, photoId);
    }
    if (index === null) {
      notices.show('That photo is not in the open library folders, so it cannot be edited.');
      return false;
    }
    if (datasets.currentId !== datasetId) datasets.choose(datasetId);
    viewer.close();
    navigation.show('library');
    await annotation.open(index, 'grid');
    return annotation.isOpen;
  } catch (error) {
    notices.show(`Could not open the photo in the editor: ${(error as Error).message}`);
    return false;
  }
}
