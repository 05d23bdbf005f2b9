/**
 * Predictions: a model's probability map of a photo, one per (photo, model), replaced
 * when the model runs on the photo again.
 */
import { StudioError } from '../../api/errors';
import { blob, isPng } from './blobs';
import { camelCaseRow } from './camelCaseRow';
import { refreshPhotoStatus } from './photoTables';
import { StoreTables } from './storeTables';

export interface NewPrediction {
  photoId: number;
  modelId: number;
  /** 8-bit probability map (PNG), 255 = certainly blurred. */
  png: Uint8Array;
  width: number;
  height: number;
  meanProbability: number;
  uncertainty: number;
  device: string;
  durationMs: number;
}

export interface Prediction extends NewPrediction {
  id: number;
  createdAt: string;
}

interface PredictionRow {
  id: number;
  photo_id: number;
  model_id: number;
  png: Buffer;
  width: number;
  height: number;
  mean_probability: number;
  uncertainty: number;
  device: string;
  duration_ms: number;
  created_at: string;
}

const PREDICTION_FIELDS = [
  'id', 'photo_id', 'model_id', 'png', 'width', 'height', 'mean_probability', 'uncertainty', 'device', 'duration_ms', 'created_at',
] as const;

function toPrediction(row: PredictionRow): Prediction {
  return { ...camelCaseRow(row, PREDICTION_FIELDS), png: new Uint8Array(row.png) };
}

export class PredictionTables extends StoreTables {
  /** Saves (or replaces) a model's probability map for a photo. */
  save(input: NewPrediction): Prediction {
    if (!isPng(input.png)) {
      throw new StudioError('bad-image', 'A probability map must be a PNG image.');
    }
    return this.transaction(() => {
      this.sql.run(
        `INSERT INTO predictions (photo_id, model_id, png, width, height, mean_probability, uncertainty, device, duration_ms, created_at)
         VALUES (:photoId, :modelId, :png, :width, :height, :meanProbability, :uncertainty, :device, :durationMs, :now)
         ON CONFLICT (photo_id, model_id) DO UPDATE SET
           png = excluded.png, width = excluded.width, height = excluded.height,
           mean_probability = excluded.mean_probability, uncertainty = excluded.uncertainty,
           device = excluded.device, duration_ms = excluded.duration_ms, created_at = excluded.created_at`,
        {
          photoId: input.photoId,
          modelId: input.modelId,
          png: blob(input.png),
          width: input.width,
          height: input.height,
          meanProbability: input.meanProbability,
          uncertainty: input.uncertainty,
          device: input.device,
          durationMs: input.durationMs,
          now: this.timestamp(),
        },
      );
      refreshPhotoStatus(this.sql, input.photoId);
      return this.get(input.photoId, input.modelId)!;
    });
  }

  /** A photo's prediction by `modelId`, or by the active model, or the most recent one. */
  get(photoId: number, modelId?: number): Prediction | undefined {
    const row = this.sql.get<PredictionRow>(
      `SELECT r.* FROM predictions r LEFT JOIN models m ON m.id = r.model_id
       WHERE r.photo_id = :photoId AND (:modelId IS NULL OR r.model_id = :modelId)
       ORDER BY COALESCE(m.active, 0) DESC, r.created_at DESC, r.id DESC LIMIT 1`,
      { photoId, modelId: modelId ?? null },
    );
    return row ? toPrediction(row) : undefined;
  }

  count(): number {
    return this.sql.value<number>('SELECT COUNT(*) FROM predictions') ?? 0;
  }
}
