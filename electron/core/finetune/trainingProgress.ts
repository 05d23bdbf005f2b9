/**
 * The live state of one fine-tune, folded from the trainer's events: step, loss curve,
 * validation numbers, ETA and phase. `snapshot()` is what `finetune.onDidProgress`
 * carries and `finetune.status` answers, so a panel that opens mid-run gets the whole
 * curve so far, not just the latest point.
 */
import type {
  FinetunePhase,
  FinetuneProgress,
  LossPoint,
  PythonInfo,
  TrainDevice,
  ValidationPoint,
} from '../../api/types';
import type { TrainerEvent } from './trainerEvents';

/** Loss points kept: enough for a smooth plot, few enough for an event several times a second. */
export const MAX_LOSS_POINTS = 1000;

export interface TrainingProgressInit {
  jobId: string;
  datasetId: number;
  datasetName: string;
  parentModelId: number;
  device: TrainDevice;
  deviceReason: string | null;
  python: PythonInfo | null;
  steps: number;
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
}

/**
 * Halves a curve sampled every `stride` points into one sampled every `2 * stride`: the
 * points at even positions stay (the first one included), so the curve keeps its start,
 * its shape and an even spacing over any number of halvings.
 */
export function thinCurve(points: readonly LossPoint[]): LossPoint[] {
  return points.filter((_, index) => index % 2 === 0);
}

export class TrainingProgress {
  readonly #state: FinetuneProgress;
  readonly #now: () => number;
  readonly #startedAt: number;
  readonly #maxLossPoints: number;
  /** Loss points kept: every `#stride`-th logged point. */
  #sampled: LossPoint[] = [];
  #stride = 1;
  #logged = 0;
  /** The latest point, shown even when it is not one of the sampled ones. */
  #latest: LossPoint | null = null;

  constructor(init: TrainingProgressInit, maxLossPoints = MAX_LOSS_POINTS) {
    this.#now = init.now ?? (() => Date.now());
    this.#startedAt = this.#now();
    this.#maxLossPoints = maxLossPoints;
    this.#state = {
      jobId: init.jobId,
      datasetId: init.datasetId,
      datasetName: init.datasetName,
      parentModelId: init.parentModelId,
      phase: 'preparing',
      device: init.device,
      deviceReason: init.deviceReason,
      python: init.python,
      step: 0,
      steps: init.steps,
      loss: null,
      lossCurve: [],
      validations: [],
      bestValMae: null,
      etaSeconds: null,
      elapsedSeconds: 0,
      trainImages: null,
      valImages: null,
      trainerPid: null,
      message: null,
    };
  }

  get phase(): FinetunePhase {
    return this.#state.phase;
  }

  get step(): number {
    return this.#state.step;
  }

  get steps(): number {
    return this.#state.steps;
  }

  get lossCurve(): LossPoint[] {
    return this.#state.lossCurve;
  }

  get validations(): ValidationPoint[] {
    return this.#state.validations;
  }

  get trainImages(): number | null {
    return this.#state.trainImages;
  }

  get valImages(): number | null {
    return this.#state.valImages;
  }

  setPhase(phase: FinetunePhase, message: string | null = null): void {
    this.#state.phase = phase;
    this.#state.message = message;
    if (phase !== 'training') this.#state.etaSeconds = null;
  }

  setTrainerPid(pid: number | null): void {
    this.#state.trainerPid = pid;
  }

  /**
   * Folds one trainer event in. Returns true when the event changes what a panel shows
   * at once (a validation, the start, the end), false for routine progress that may wait
   * for the next throttled update.
   */
  apply(event: TrainerEvent): boolean {
    const state = this.#state;
    switch (event.event) {
      case 'start':
        state.step = event.step;
        state.steps = event.steps;
        state.trainImages = event.trainImages;
        state.valImages = event.valImages;
        state.message = `training on ${event.trainImages} photo${event.trainImages === 1 ? '' : 's'}, validating on ${event.valImages}`;
        return true;
      case 'progress':
        state.step = event.step;
        state.steps = event.steps;
        state.etaSeconds = event.etaSeconds;
        if (event.loss !== null && (this.#latest === null || this.#latest.step < event.step)) {
          state.loss = event.loss;
          this.#addLossPoint({ step: event.step, loss: event.loss, lr: event.lr });
        }
        state.message = `step ${event.step} of ${event.steps}${event.loss === null ? '' : `, loss ${event.loss.toFixed(4)}`}`;
        return false;
      case 'validation':
        if (event.mae !== null) {
          state.validations = [
            ...state.validations,
            {
              step: event.step,
              images: event.images,
              mae: event.mae,
              meanF: event.meanF ?? 0,
              maxF: event.maxF ?? 0,
              adaptiveF: event.adaptiveF ?? 0,
              iou: event.iou ?? 0,
            },
          ];
        }
        return true;
      case 'best':
        state.bestValMae = event.valMae;
        return true;
      case 'done':
      case 'stopped':
        state.step = event.step;
        state.bestValMae = event.bestValMae ?? state.bestValMae;
        state.etaSeconds = null;
        return true;
      case 'checkpoint':
      case 'exported':
        return false;
    }
  }

  #addLossPoint(point: LossPoint): void {
    if (this.#logged % this.#stride === 0) {
      this.#sampled.push(point);
      if (this.#sampled.length > this.#maxLossPoints) {
        this.#sampled = thinCurve(this.#sampled);
        this.#stride *= 2;
      }
    }
    this.#logged++;
    this.#latest = point;
    const last = this.#sampled[this.#sampled.length - 1];
    this.#state.lossCurve = last === point ? [...this.#sampled] : [...this.#sampled, point];
  }

  snapshot(): FinetuneProgress {
    const state = this.#state;
    return {
      ...state,
      elapsedSeconds: Math.round((this.#now() - this.#startedAt) / 100) / 10,
      lossCurve: [...state.lossCurve],
      validations: [...state.validations],
    };
  }
}
