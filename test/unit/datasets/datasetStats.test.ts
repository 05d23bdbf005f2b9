/** The dashboard's histogram and per-day progress, as pure functions. */
import { describe, expect, it } from 'vitest';
import { blurHistogram, progressByDay } from '../../../electron/core/datasets/datasetStats';

describe('dataset stats', () => {
  it('bins blur fractions, the last bin holding 1, masks missing counted apart', () => {
    expect(blurHistogram([0, 0.099, 0.1, 0.5, 0.95, 1, null, null], 10)).toEqual({
      binEdges: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
      counts: [2, 1, 0, 0, 0, 1, 0, 0, 0, 2],
      withoutMask: 2,
    });
    expect(blurHistogram([], 3)).toEqual({ binEdges: [0, 1 / 3, 2 / 3, 1], counts: [0, 0, 0], withoutMask: 0 });
  });

  it('counts per UTC day, each photo annotated once, in date order whatever the input order', () => {
    const days = progressByDay(
      [
        { photoId: 2, author: 'human', createdAt: '2025-05-03T10:00:00.000Z' },
        { photoId: 1, author: 'model', createdAt: '2025-05-01T08:00:00.000Z' },
        { photoId: 1, author: 'human', createdAt: '2025-05-01T23:59:59.000Z' },
        { photoId: 1, author: 'human', createdAt: '2025-05-03T09:00:00.000Z' },
      ],
      ['2025-05-02T12:00:00.000Z', '2025-05-03T12:00:00.000Z'],
    );
    expect(days).toEqual([
      { date: '2025-05-01', humanVersions: 1, modelVersions: 1, newlyAnnotated: 1, annotated: 1, reviews: 0 },
      { date: '2025-05-02', humanVersions: 0, modelVersions: 0, newlyAnnotated: 0, annotated: 1, reviews: 1 },
      { date: '2025-05-03', humanVersions: 2, modelVersions: 0, newlyAnnotated: 1, annotated: 2, reviews: 1 },
    ]);
  });
});
