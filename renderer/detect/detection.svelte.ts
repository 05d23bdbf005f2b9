/**
 * Detection as the studio shows it: the model and device in use (`detect.status`, for the
 * status bar), starting detection jobs on the open photo, the selection or every photo
 * without a mask, and how the prediction overlay looks in the viewer.
 *
 * `revision` is bumped when a detection job ends, so that whoever shows a prediction
 * (viewer, editor) reads it again.
 */
/* eslint-disable svelte/prefer-svelte-reactivity --
   The busy set is immutable, replaced as a whole in $state.raw; the job map is bookkeeping. */
import type { StudioClient } from '../../electron/api/client';
import type { MethodInput } from '../../electron/api/methods';
import type { DetectJobResult, DetectStatus, Job } from '../../electron/api/types';
import type { JobsState } from '../app/jobs.svelte';
import type { NoticesState } from '../app/notices.svelte';

/** `Job.kind` of detection jobs (electron/core/detect/detectService.ts). */
export const DETECT_JOB_KIND = 'detect';

export type DetectTarget = { photoIds: number[] } | { all: 'unmasked' };

export class DetectionState {
  readonly #client: StudioClient;
  readonly #notices: NoticesState;
  #statusRequest = 0;
  /** Jobs started here → their photos. Plain bookkeeping, never rendered. */
  readonly #jobPhotos = new Map<string, readonly number[]>();

  status = $state.raw<DetectStatus | null>(null);
  /** True while `detect.status` loads the model (the first call starts the workers). */
  loading = $state(false);
  /** Bumped when a detection job ends: predictions may have changed. */
  revision = $state(0);
  /** Photo ids of detection jobs still running, for the buttons' busy state. */
  busyPhotoIds = $state.raw<ReadonlySet<number>>(new Set());

  /** The viewer's probability overlay. */
  overlayVisible = $state(true);
  overlayOpacity = $state(0.6);
  overlayColor = $state('#2f8cff');

  constructor(client: StudioClient, notices: NoticesState) {
    this.#client = client;
    this.#notices = notices;
  }

  get running(): boolean {
    return this.busyPhotoIds.size > 0;
  }

  /** Listens to detection jobs and loads the status; returns the cleanup. */
  start(jobs: JobsState): () => void {
    void this.refresh();
    const offFinish = jobs.onDidFinish((job) => {
      if (job.kind !== DETECT_JOB_KIND) return;
      this.#finished(job);
    });
    const offModels = this.#client.on('models.onDidChange', () => void this.refresh());
    return () => {
      offFinish();
      offModels();
    };
  }

  /** Reads the model and device (starting the workers if needed). */
  async refresh(): Promise<void> {
    const request = ++this.#statusRequest;
    this.loading = true;
    try {
      const status = await this.#client.call('detect.status', {});
      if (request === this.#statusRequest) this.status = status;
    } catch (error) {
      if (request === this.#statusRequest) {
        this.status = { model: null, requestedDevice: 'auto', device: null, fallbacks: [], fallbackReason: null, error: (error as Error).message, workers: 0 };
      }
    } finally {
      if (request === this.#statusRequest) this.loading = false;
    }
  }

  /** Starts a detection job; its progress shows in the jobs panel. Null when it could not start. */
  async run(target: DetectTarget): Promise<string | null> {
    if ('photoIds' in target && target.photoIds.length === 0) return null;
    const input: MethodInput<'detect.run'> = 'photoIds' in target ? { photoIds: target.photoIds } : { all: target.all };
    try {
      const { jobId } = await this.#client.call('detect.run', input);
      if ('photoIds' in target) this.busyPhotoIds = new Set([...this.busyPhotoIds, ...target.photoIds]);
      this.#jobPhotos.set(jobId, 'photoIds' in target ? target.photoIds : []);
      return jobId;
    } catch (error) {
      this.#notices.show(`Detection could not start: ${(error as Error).message}`);
      return null;
    }
  }

  isBusy(photoId: number): boolean {
    return this.busyPhotoIds.has(photoId);
  }

  #finished(job: Job): void {
    this.revision++;
    const photoIds = this.#jobPhotos.get(job.id);
    // Jobs listed at start (earlier sessions, other windows) were reported where they ran.
    if (!photoIds) return;
    this.#jobPhotos.delete(job.id);
    if (photoIds.length > 0) {
      const still = new Set(this.busyPhotoIds);
      for (const id of photoIds) still.delete(id);
      this.busyPhotoIds = still;
    }
    if (job.state === 'failed') {
      this.#notices.show(`Detection failed: ${job.error ?? 'unknown error'}`);
      // A bad or missing model shows in the status bar too.
      void this.refresh();
      return;
    }
    const result = job.result as DetectJobResult | null;
    if (result && result.failed.length > 0) {
      const first = result.failed[0]!;
      const more = result.failed.length > 1 ? ` (and ${result.failed.length - 1} more)` : '';
      this.#notices.show(`Detection skipped ${first.relPath || `photo ${first.photoId}`}: ${first.reason}${more}`);
    }
    if (!this.status?.device) void this.refresh();
  }
}
