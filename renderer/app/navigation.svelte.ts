/**
 * Which of the studio's views fills the centre: the photo library (grid, viewer, editor),
 * the datasets (dashboard, review, import and export) or fine-tuning (runs and the model
 * registry). The library is the default; the choice is not remembered across reloads, so
 * the studio always opens on the photos.
 */

export type StudioView = 'library' | 'datasets' | 'finetune';

export const STUDIO_VIEWS: readonly StudioView[] = ['library', 'datasets', 'finetune'];

export class NavigationState {
  view = $state<StudioView>('library');

  show(view: StudioView): void {
    this.view = view;
  }
}
