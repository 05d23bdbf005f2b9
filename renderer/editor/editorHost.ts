/**
 * What the mask editor asks of the page around it: to store a mask, to give a photo a
 * status, and to go to another photo. The page answers through MaskEditor's props.
 */

/** Status buttons: corrected and reviewed are stored with the mask; skip moves on. */
export type ReviewStatus = 'corrected' | 'reviewed' | 'skip';
/** The status a saved mask carries. */
export type SaveStatus = Exclude<ReviewStatus, 'skip'>;
export type NavigateDirection = 'next' | 'previous' | 'nextUnreviewed' | 'previousUnreviewed';

export interface EditorHost {
  /** Stores a mask (8-bit grayscale PNG, 255 = blurred) for `photoId`; rejects to keep it dirty. */
  save(png: Uint8Array, status: SaveStatus, photoId: number): Promise<void> | void;
  /** A status without new pixels: reviewed/corrected on an unchanged saved mask, or skip. */
  setStatus(status: ReviewStatus, photoId: number): void;
  /** Another photo, asked for once any unsaved mask was saved. */
  navigate(direction: NavigateDirection): void;
  /** The keymap JSON after the user rebound a key. */
  keymapChanged(json: string): void;
}
