/** Words, colors and keys for the statuses of dataset items and for splits. */
import type { ItemStatus, SplitFilter } from '../../electron/api/types';

export const ITEM_STATUS_LABELS: Record<ItemStatus, string> = {
  unlabelled: 'Unlabelled',
  predicted: 'Predicted',
  corrected: 'Corrected',
  reviewed: 'Reviewed',
  rejected: 'Rejected',
};

/** CSS colors: the grid's badge colors, and the danger red for a rejected mask. */
export const ITEM_STATUS_COLORS: Record<ItemStatus, string> = {
  unlabelled: 'var(--status-none)',
  predicted: 'var(--status-predicted)',
  corrected: 'var(--status-corrected)',
  reviewed: 'var(--status-reviewed)',
  rejected: 'var(--danger)',
};

/** The key that gives the items under the cursor (or selected) a status in the items table. */
export const ITEM_STATUS_KEYS: Record<ItemStatus, string> = {
  unlabelled: '1',
  predicted: '2',
  corrected: '3',
  reviewed: '4',
  rejected: '5',
};

export const SPLIT_LABELS: Record<SplitFilter, string> = {
  train: 'Train',
  test: 'Test',
  none: 'No split',
};

export const SPLIT_COLORS: Record<SplitFilter, string> = {
  train: 'var(--accent)',
  test: '#c59cf5',
  none: 'var(--status-none)',
};

/** `0.42` → `42 %`. */
export function formatPercent(fraction: number, digits = 0): string {
  return `${(fraction * 100).toFixed(digits)} %`;
}
