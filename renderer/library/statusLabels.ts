/** Words for the photo statuses, shared by the badges and the filters. */
import type { PhotoStatus } from '../../electron/api/types';

export const STATUS_LABELS: Record<PhotoStatus, string> = {
  none: 'No mask',
  predicted: 'Predicted',
  corrected: 'Corrected',
  reviewed: 'Reviewed',
};
