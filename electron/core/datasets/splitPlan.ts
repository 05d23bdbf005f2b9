/**
 * Train/test split plans, pure functions of the items and a seed: the same items and
 * the same seed always give the same split, whatever order the items arrive in (they
 * are sorted by photo id first). The store applies a plan in one transaction.
 */
import type { Split } from '../../api/types';
import type { SplitCandidate } from '../store/datasetTables';

/** mulberry32: a small, fast, well-mixed 32-bit generator; enough to shuffle a dataset. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

function byPhotoId(items: readonly SplitCandidate[]): SplitCandidate[] {
  return [...items].sort((a, b) => a.photoId - b.photoId);
}

/** Items shuffled with `seed`; the first round(n * testFraction) go to test. */
export function randomSplit(items: readonly SplitCandidate[], testFraction: number, seed: number): Map<number, Split> {
  const order = shuffled(byPhotoId(items), seededRandom(seed));
  const testCount = Math.round(order.length * testFraction);
  return new Map(order.map((item, index) => [item.photoId, index < testCount ? 'test' : 'train']));
}

/** True when `folder` is `parent` or lies under it ('' is the root folder, holding everything). */
function isUnder(folder: string, parent: string): boolean {
  const clean = parent.replace(/^\/+|\/+$/g, '');
  return clean === '' || folder === clean || folder.startsWith(`${clean}/`);
}

/**
 * Whole folders to one split. With `testFolders`, items in them (or below) go to test
 * and the rest to train. Without, folders (per library root) are shuffled with `seed`
 * and go to test until the test share reaches `testFraction` of the items (the folder
 * that crosses the line goes to test when that brings the share closer).
 */
export function folderSplit(
  items: readonly SplitCandidate[],
  options: { testFolders?: readonly string[] | undefined; testFraction: number; seed: number },
): Map<number, Split> {
  const sorted = byPhotoId(items);
  if (options.testFolders !== undefined) {
    const testFolders = options.testFolders;
    return new Map(sorted.map((item) => [item.photoId, testFolders.some((folder) => isUnder(item.folder, folder)) ? 'test' : 'train']));
  }
  const groups = new Map<string, SplitCandidate[]>();
  for (const item of sorted) {
    const key = `${item.rootId}\u0000${item.folder}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(item);
  }
  const keys = shuffled([...groups.keys()].sort(), seededRandom(options.seed));
  const target = sorted.length * options.testFraction;
  const result = new Map<number, Split>();
  let inTest = 0;
  for (const key of keys) {
    const group = groups.get(key)!;
    const toTest = inTest < target && Math.abs(inTest + group.length - target) <= Math.abs(inTest - target);
    for (const item of group) result.set(item.photoId, toTest ? 'test' : 'train');
    if (toTest) inTest += group.length;
  }
  return result;
}

/** The stratum of a blur fraction among `bins` equal bins over 0..1; -1 without a mask. */
export function blurBin(fraction: number | null, bins: number): number {
  if (fraction === null) return -1;
  return Math.min(bins - 1, Math.max(0, Math.floor(fraction * bins)));
}

/**
 * Random within strata of the current mask's blur fraction. Each stratum gets its share
 * of test items, rounded so that the total is exactly round(n * testFraction): the
 * floors first, then one more to the strata with the largest remainders (ties to the
 * lower stratum), so small strata are neither always nor never represented in test.
 */
export function stratifiedSplit(items: readonly SplitCandidate[], options: { testFraction: number; seed: number; bins: number }): Map<number, Split> {
  const strata = new Map<number, SplitCandidate[]>();
  for (const item of byPhotoId(items)) {
    const bin = blurBin(item.blurFraction, options.bins);
    let stratum = strata.get(bin);
    if (!stratum) strata.set(bin, (stratum = []));
    stratum.push(item);
  }
  const bins = [...strata.keys()].sort((a, b) => a - b);
  const quotas = new Map<number, number>();
  let assigned = 0;
  for (const bin of bins) {
    const quota = Math.floor(strata.get(bin)!.length * options.testFraction);
    quotas.set(bin, quota);
    assigned += quota;
  }
  const total = Math.round(items.length * options.testFraction);
  const byRemainder = [...bins].sort((a, b) => {
    const remainder = (bin: number): number => strata.get(bin)!.length * options.testFraction - quotas.get(bin)!;
    return remainder(b) - remainder(a) || a - b;
  });
  for (let i = 0; assigned < total && i < byRemainder.length; i++) {
    const bin = byRemainder[i]!;
    quotas.set(bin, quotas.get(bin)! + 1);
    assigned++;
  }

  const result = new Map<number, Split>();
  const random = seededRandom(options.seed);
  for (const bin of bins) {
    const order = shuffled(strata.get(bin)!, random);
    const quota = quotas.get(bin)!;
    order.forEach((item, index) => result.set(item.photoId, index < quota ? 'test' : 'train'));
  }
  return result;
}
