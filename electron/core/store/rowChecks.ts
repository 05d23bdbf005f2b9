/**
 * The not-found checks that writes in several domains make first (a mask needs its
 * photo and dataset, a dataset item its photo), so that each says the same thing.
 */
import { StudioError } from '../../api/errors';
import type { Statements } from './statements';

export function requirePhoto(sql: Statements, photoId: number): void {
  if (sql.value<number>('SELECT 1 FROM photos WHERE id = ?', photoId) === undefined) {
    throw new StudioError('not-found', `Photo ${photoId} does not exist.`);
  }
}

export function requireDataset(sql: Statements, datasetId: number): void {
  if (sql.value<number>('SELECT 1 FROM datasets WHERE id = ?', datasetId) === undefined) {
    throw new StudioError('not-found', `Dataset ${datasetId} does not exist.`);
  }
}
