/**
 * A fine-tuned model side by side with the model it started from: both measured on the
 * test split of the dataset it learned from, with the differences per metric. Built
 * from the registry and the stored evaluations, so the comparison is the same right
 * after the run and after a restart.
 */
import { StudioError } from '../../api/errors';
import type { ComparedMetric, FinetuneComparison, ModelEvaluation, ModelRecord } from '../../api/types';
import type { Store } from '../store/store';

export const COMPARED_METRICS: readonly ComparedMetric[] = ['mae', 'meanF', 'maxF', 'adaptiveF', 'iou', 'auc'];

/** candidate minus parent for every metric both have. */
export function metricDelta(candidate: ModelEvaluation, parent: ModelEvaluation): Partial<Record<ComparedMetric, number>> {
  const delta: Partial<Record<ComparedMetric, number>> = {};
  for (const metric of COMPARED_METRICS) {
    const a = candidate.metrics[metric];
    const b = parent.metrics[metric];
    if (a !== null && b !== null) delta[metric] = a - b;
  }
  return delta;
}

/** The comparison of a fine-tuned model (one with a dataset); StudioError otherwise. */
export function buildComparison(store: Store, candidate: ModelRecord): FinetuneComparison {
  if (candidate.datasetId === null) {
    throw new StudioError('not-found', `Model ${candidate.id} (${candidate.name} ${candidate.version}) was not fine-tuned in the studio: it has no dataset to compare on.`);
  }
  const datasetId = candidate.datasetId;
  const parent = candidate.parentId === null ? null : (store.getModel(candidate.parentId) ?? null);
  const jobId = candidate.metadata.finetune_job;
  const candidateEvaluation =
    (jobId ? store.models.evaluationOfJob(candidate.id, jobId) : undefined) ?? store.models.latestEvaluation(candidate.id, datasetId, 'test') ?? null;
  // The parent as measured by the same run (same photos, same masks), else its latest measurement.
  const parentEvaluation = parent
    ? ((jobId ? store.models.evaluationOfJob(parent.id, jobId) : undefined) ?? store.models.latestEvaluation(parent.id, datasetId, 'test') ?? null)
    : null;
  const lineage = Object.fromEntries(Object.entries(candidate.metadata).filter(([key]) => key.startsWith('finetune_')));
  return {
    candidate,
    parent,
    datasetId,
    datasetName: store.getDataset(datasetId)?.name ?? candidate.metadata.finetune_dataset ?? null,
    split: 'test',
    candidateEvaluation,
    parentEvaluation,
    delta: candidateEvaluation && parentEvaluation ? metricDelta(candidateEvaluation, parentEvaluation) : null,
    lineage,
  };
}
