/**
 * Follows one background job (an export, an import, a quality check) from the moment its
 * id is known until it ends. Job events may arrive before the call that started the job
 * has answered, so the jobs list is looked at first and the job is asked for once more
 * after subscribing: nothing between the start and the subscription is missed.
 */
import type { StudioClient } from '../../electron/api/client';
import type { Job } from '../../electron/api/types';
import { isActive } from './jobs.svelte';
import type { JobsState } from './jobs.svelte';

/** Calls `onUpdate` with every state of the job, the last time when it is done, failed or cancelled; returns the cleanup. */
export function trackJob(client: StudioClient, jobs: JobsState, jobId: string, onUpdate: (job: Job) => void): () => void {
  let finished = false;
  let latest: Job | null = null;
  const take = (job: Job): void => {
    if (finished || job.id !== jobId) return;
    // An answer to jobs.get can be older than an event already seen.
    if (latest && !isActive(latest) && isActive(job)) return;
    latest = job;
    if (!isActive(job)) finished = true;
    onUpdate(job);
  };
  const known = jobs.jobs.find((job) => job.id === jobId);
  if (known) take(known);
  const stop = jobs.onDidChange(take);
  client
    .call('jobs.get', { id: jobId })
    .then(take)
    .catch(() => {
      // Events still arrive; a job that is gone was reported through them.
    });
  return stop;
}

/** The same as a promise of the final job. */
export function jobFinished(client: StudioClient, jobs: JobsState, jobId: string, onProgress?: (job: Job) => void): Promise<Job> {
  return new Promise((resolve) => {
    const stop = trackJob(client, jobs, jobId, (job) => {
      onProgress?.(job);
      if (!isActive(job)) {
        queueMicrotask(stop);
        resolve(job);
      }
    });
  });
}
