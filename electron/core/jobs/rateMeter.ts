/**
 * Items per second over a recent window, and the time left at that pace. A window (not
 * the average since the start) follows a scan that slows down on big photos or speeds
 * up on unchanged ones, so the ETA does not lag behind what the user sees.
 */

export interface RateEstimate {
  /** Items per second, or null until there is enough history to say. */
  rate: number | null;
  /** Seconds until done at that rate, or null when unknown. */
  etaSeconds: number | null;
}

interface Sample {
  at: number;
  done: number;
}

export class RateMeter {
  readonly #windowMs: number;
  readonly #minSpanMs: number;
  #samples: Sample[] = [];

  /**
   * @param windowMs how far back the rate looks.
   * @param minSpanMs the shortest history that gives a rate (avoids wild first values).
   */
  constructor(windowMs = 5000, minSpanMs = 250) {
    this.#windowMs = windowMs;
    this.#minSpanMs = minSpanMs;
  }

  /** Records that `done` items are finished at time `at` (ms). */
  record(at: number, done: number): void {
    const last = this.#samples[this.#samples.length - 1];
    if (last && done < last.done) {
      // The job started over (a new phase with its own count): old pace means nothing.
      this.#samples = [];
    }
    this.#samples.push({ at, done });
    // Keep one sample at or before the window's start so the window is always full.
    const start = at - this.#windowMs;
    let firstKept = 0;
    while (firstKept + 1 < this.#samples.length && this.#samples[firstKept + 1]!.at <= start) {
      firstKept++;
    }
    if (firstKept > 0) {
      this.#samples.splice(0, firstKept);
    }
  }

  estimate(total: number): RateEstimate {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    if (!first || !last || last.at - first.at < this.#minSpanMs) {
      return { rate: null, etaSeconds: total > 0 && last !== undefined && last.done >= total ? 0 : null };
    }
    const rate = ((last.done - first.done) * 1000) / (last.at - first.at);
    const remaining = Math.max(0, total - last.done);
    let etaSeconds: number | null = null;
    if (remaining === 0 && total > 0) {
      etaSeconds = 0;
    } else if (rate > 0) {
      etaSeconds = remaining / rate;
    }
    return { rate, etaSeconds };
  }
}
