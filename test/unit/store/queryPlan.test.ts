/**
 * The grid query must stay indexed: with thousands of photos a full table scan plus a
 * sort would make every scroll step wait. EXPLAIN QUERY PLAN shows what SQLite will do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PhotoQuery } from '../../../electron/api/methods';
import type { Store } from '../../../electron/core/store/store';
import { createStore, facts, parseQuery } from './helpers';

let store: Store;
let rootId: number;

beforeAll(() => {
  store = createStore();
  rootId = store.addRoot('/photos').id;
  store.addRoot('/more');
  store.transaction(() => {
    for (let i = 0; i < 3000; i++) {
      store.upsertPhoto(rootId, `folder${i % 30}/sub${i % 3}/IMG_${i}.jpg`, 1, facts(`h${i}`, {
        camera: i % 2 ? 'Canon EOS R5' : 'Nikon Z6',
        capturedAt: new Date(1_700_000_000_000 + i * 60_000).toISOString(),
        fNumber: [1.8, 2.8, 8][i % 3]!,
      }));
    }
  });
});
afterAll(() => store.close());

function plan(query: PhotoQuery): string[] {
  const { sql, params } = store._testOnlyPhotoQuerySql(parseQuery(query));
  return (store._testOnlyDb.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((row) => row.detail);
}

/** The line of the plan that reads `photos p`. */
function photosAccess(lines: string[]): string[] {
  return lines.filter((line) => /^(SCAN|SEARCH) p\b/.test(line));
}

describe('grid query plan', () => {
  // Functions, because the root id only exists once beforeAll has run.
  it.each<[string, () => PhotoQuery]>([
    ['the default grid (all open roots, by path)', () => ({})],
    ['one root, by path', () => ({ rootId })],
    ['one folder of one root', () => ({ rootId, folder: 'folder3', recursive: false })],
  ])('%s reads photos through an index in grid order, without a sort step', (_name, query) => {
    const lines = plan(query());
    const access = photosAccess(lines);
    expect(access.length, lines.join('\n')).toBeGreaterThan(0);
    for (const line of access) {
      expect(line, lines.join('\n')).toMatch(/USING (COVERING )?INDEX/);
    }
    expect(lines.join('\n')).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
  });

  it.each<[string, PhotoQuery]>([
    ['a folder with its sub-folders', { folder: 'folder3' }],
    ['by capture time, newest first', { sort: 'capturedAt', order: 'desc' }],
    ['by name', { sort: 'name' }],
    ['by status and camera', { status: ['none', 'predicted'], camera: 'Canon EOS R5' }],
  ])('%s reads photos through an index', (_name, query) => {
    const lines = plan(query);
    for (const line of photosAccess(lines)) {
      expect(line, lines.join('\n')).toMatch(/USING (COVERING )?INDEX/);
    }
  });

  it('answers the typical page quickly', () => {
    const start = performance.now();
    for (let i = 0; i < 20; i++) {
      store.queryPhotos(parseQuery({ rootId, offset: 100 * i, limit: 200 }));
    }
    // Generous bound (shared CI machines); the benchmark measures the real figures.
    expect((performance.now() - start) / 20).toBeLessThan(40);
  });
});
