/**
 * What one client may make the server hold at once. Every method has its own body
 * limit, the size of its largest valid input (a list of ids is kilobytes, a mask PNG
 * megabytes), so that a request for a small method cannot make the server buffer the
 * hundreds of megabytes only a mask save needs. And only so many requests are handled
 * at once, with only so many body bytes reserved for them together; past that the
 * server answers 503 at once instead of queueing without end.
 */
import { MAX_MASK_PNG_BYTES } from '../api/methods';
import type { MethodName } from '../api/methods';

const KIB = 1024;
const MIB = 1024 * KIB;

/**
 * Every method's body limit. JSON may escape a character as six bytes (\u0000), so text
 * fields count six bytes per character of their schema's maximum.
 */
export const BODY_LIMITS: Readonly<Record<MethodName, number>> = {
  'app.info': 4 * KIB,
  'store.counts': 4 * KIB,
  // 64 paths of 4096 characters.
  'library.open': 2 * MIB,
  'library.roots': 4 * KIB,
  'library.close': 4 * KIB,
  'library.rescan': 4 * KIB,
  // A folder and a few filters of some hundred characters.
  'library.query': 64 * KIB,
  'library.photo': 4 * KIB,
  'library.facets': 4 * KIB,
  'library.errors': 4 * KIB,
  'library.walk': 64 * KIB,
  'jobs.list': 4 * KIB,
  'jobs.get': 4 * KIB,
  'jobs.cancel': 4 * KIB,
  'datasets.list': 4 * KIB,
  // A name of 128 and a description of 4096 characters.
  'datasets.create': 64 * KIB,
  'datasets.get': 4 * KIB,
  'datasets.update': 64 * KIB,
  'datasets.delete': 4 * KIB,
  // Up to 100 000 photo ids (and a split by folders: up to 10 000 folder names).
  'datasets.addPhotos': 4 * MIB,
  'datasets.removePhotos': 4 * MIB,
  'datasets.items': 64 * KIB,
  'datasets.split': 8 * MIB,
  'datasets.setStatus': 4 * MIB,
  'datasets.stats': 4 * KIB,
  'datasets.review': 64 * KIB,
  'datasets.reviews': 4 * KIB,
  'datasets.nextToReview': 4 * KIB,
  'datasets.quality': 4 * KIB,
  'datasets.uncertain': 4 * KIB,
  // Up to 10 000 ids to leave out.
  'datasets.nextUncertain': 256 * KIB,
  'datasets.export': 64 * KIB,
  'datasets.import': 64 * KIB,
  'masks.history': 4 * KIB,
  // The largest mask PNG as base64 (4 bytes for 3), and room for the other fields.
  'masks.save': Math.ceil((MAX_MASK_PNG_BYTES * 4) / 3) + 64 * KIB,
  'masks.setStatus': 64 * KIB,
  'masks.current': 4 * KIB,
  'predictions.current': 4 * KIB,
  'models.list': 4 * KIB,
  'models.activate': 4 * KIB,
  'models.discard': 4 * KIB,
  'finetune.python': 4 * KIB,
  'finetune.start': 4 * KIB,
  'finetune.status': 4 * KIB,
  'finetune.results': 4 * KIB,
  'detect.status': 4 * KIB,
  'detect.run': 4 * MIB,
};

/** Requests (API calls and resources) handled at once. */
export const MAX_REQUESTS_IN_FLIGHT = 32;
/** Body bytes reserved for the requests in flight together: two mask saves and the small calls beside them. */
export const MAX_BODY_BYTES_IN_FLIGHT = 2 * BODY_LIMITS['masks.save'] + 32 * MIB;

/** Counts requests in flight and the body bytes reserved for them. */
export class InFlightLimit {
  #requests = 0;
  #bodyBytes = 0;

  constructor(
    readonly maxRequests = MAX_REQUESTS_IN_FLIGHT,
    readonly maxBodyBytes = MAX_BODY_BYTES_IN_FLIGHT,
  ) {}

  /**
   * Takes a place for one request that may read up to `bodyBytes`; returns the function
   * that gives it back (call it once, when the answer is sent), or null when full.
   */
  tryEnter(bodyBytes: number): (() => void) | null {
    if (this.#requests >= this.maxRequests || this.#bodyBytes + bodyBytes > this.maxBodyBytes) return null;
    this.#requests += 1;
    this.#bodyBytes += bodyBytes;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#requests -= 1;
      this.#bodyBytes -= bodyBytes;
    };
  }
}
