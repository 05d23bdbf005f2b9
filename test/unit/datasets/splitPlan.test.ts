/**
 * Split plans: deterministic for a seed whatever the input order, exact test counts,
 * folders kept whole, strata represented in proportion.
 */
import { describe, expect, it } from 'vitest';
import { blurBin, folderSplit, randomSplit, seededRandom, shuffled, stratifiedSplit } from '../../../electron/core/datasets/splitPlan';
import type { SplitCandidate } from '../../../electron/core/store/datasetTables';

function candidates(n: number, make: (index: number) => Partial<SplitCandidate> = () => ({})): SplitCandidate[] {
  return Array.from({ length: n }, (_, index) => ({
    photoId: index + 1,
    rootId: 1,
    folder: '',
    relPath: `p${index}.jpg`,
    split: null,
    blurFraction: null,
    ...make(index),
  }));
}

const testIds = (plan: Map<number, string | null>): number[] => [...plan].filter(([, split]) => split === 'test').map(([id]) => id).sort((a, b) => a - b);

describe('split plans', () => {
  it('shuffles reproducibly with a seed', () => {
    const random = seededRandom(42);
    const values = Array.from({ length: 1000 }, () => random());
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(new Set(values).size).toBe(1000);
    expect(shuffled([1, 2, 3, 4, 5, 6], seededRandom(7))).toEqual(shuffled([1, 2, 3, 4, 5, 6], seededRandom(7)));
    expect(shuffled([1, 2, 3, 4, 5, 6], seededRandom(7)).sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('random: round(n * fraction) to test, the same for the same seed in any input order, another for another seed', () => {
    const items = candidates(50);
    const plan = randomSplit(items, 0.2, 1);
    expect(plan.size).toBe(50);
    expect(testIds(plan)).toHaveLength(10);
    expect(testIds(randomSplit([...items].reverse(), 0.2, 1))).toEqual(testIds(plan));
    expect(testIds(randomSplit(items, 0.2, 2))).not.toEqual(testIds(plan));
    expect(testIds(randomSplit(candidates(7), 0.5, 3))).toHaveLength(4);
  });

  it('folder: named folders (and below) go to test; otherwise whole folders are drawn', () => {
    const items = candidates(30, (index) => ({ folder: ['beach', 'beach/day2', 'city', 'forest', 'forest/pines'][index % 5]! }));
    const named = folderSplit(items, { testFolders: ['beach'], testFraction: 0.2, seed: 0 });
    expect(testIds(named)).toEqual(items.filter((item) => item.folder.startsWith('beach')).map((item) => item.photoId));

    const drawn = folderSplit(items, { testFraction: 0.2, seed: 5 });
    // Every folder lies entirely on one side.
    for (const folder of ['beach', 'beach/day2', 'city', 'forest', 'forest/pines']) {
      const sides = new Set(items.filter((item) => item.folder === folder).map((item) => drawn.get(item.photoId)));
      expect(sides.size, folder).toBe(1);
    }
    // 5 folders of 6: the closest share to 20 % is one folder.
    expect(testIds(drawn)).toHaveLength(6);
    expect(testIds(folderSplit(items, { testFraction: 0.2, seed: 5 }))).toEqual(testIds(drawn));
    // A folder of the same name under another root is another folder.
    const twoRoots = candidates(4, (index) => ({ rootId: 1 + (index % 2), folder: 'same' }));
    const plan = folderSplit(twoRoots, { testFraction: 0.5, seed: 1 });
    expect(testIds(plan)).toHaveLength(2);
    expect(new Set(testIds(plan).map((id) => twoRoots[id - 1]!.rootId)).size).toBe(1);
  });

  it('stratified: every blur bin gets its share of test items, the total is exact', () => {
    expect([blurBin(0, 10), blurBin(0.05, 10), blurBin(0.1, 10), blurBin(0.999, 10), blurBin(1, 10), blurBin(null, 10)]).toEqual([0, 0, 1, 9, 9, -1]);
    // 40 mostly sharp, 40 half blurred, 20 mostly blurred, 10 without a mask.
    const items = candidates(110, (index) => ({
      blurFraction: index < 40 ? 0.02 : index < 80 ? 0.5 : index < 100 ? 0.95 : null,
    }));
    const plan = stratifiedSplit(items, { testFraction: 0.25, seed: 9, bins: 10 });
    const test = new Set(testIds(plan));
    expect(test.size).toBe(Math.round(110 * 0.25));
    const inTest = (from: number, to: number): number => items.slice(from, to).filter((item) => test.has(item.photoId)).length;
    expect(inTest(0, 40)).toBe(10);
    expect(inTest(40, 80)).toBe(10);
    expect(inTest(80, 100)).toBe(5);
    // 10 * 0.25 = 2.5 → 2 by floor; the remainder is made up where the fraction is largest.
    expect([2, 3]).toContain(inTest(100, 110));
    expect(testIds(stratifiedSplit([...items].reverse(), { testFraction: 0.25, seed: 9, bins: 10 }))).toEqual(testIds(plan));
    // A random split of the same items is usually lopsided somewhere; the stratified one never is.
    for (let seed = 0; seed < 20; seed++) {
      const other = new Set(testIds(stratifiedSplit(items, { testFraction: 0.25, seed, bins: 10 })));
      expect(items.slice(80, 100).filter((item) => other.has(item.photoId)).length).toBe(5);
    }
  });
});
