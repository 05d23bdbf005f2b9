/**
 * What the benchmarks share: percentiles, rounding for the JSON, and a seeded generator so
 * every run draws the same photos and strokes.
 */

/** Rounds to `digits` decimals for the written figures. */
export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** Nearest-rank percentile of values sorted ascending (a value that occurred); NaN when empty. */
export function nearestRankPercentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** Percentile with linear interpolation between ranks, of values in any order; NaN when empty. */
export function interpolatedPercentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

/** xorshift32 from `seed`: the same seed gives the same sequence of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}
