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

/**
 * The plan of the inner query that picks the page's ids (the outer one only fetches
 * and orders those `limit` rows by primary key).
 */
function pagePlan(lines: string[]): string[] {
  const start = lines.indexOf('CO-ROUTINE page');
  const end = lines.indexOf('SCAN page');
  expect(start, lines.join('\n')).toBeGreaterThanOrEqual(0);
  expect(end, lines.join('\n')).toBeGreaterThan(start);
  return lines.slice(start + 1, end);
}

describe('grid query plan', () => {
  // Functions, because the root id only exists once beforeAll has run.
  it.each<[string, () => PhotoQuery]>([
    ['the default grid (all open roots, by path)', () => ({})],
    ['one root, by path', () => ({ rootId })],
    ['by name', () => ({ sort: 'name' })],
    ['by capture time, newest first', () => ({ sort: 'capturedAt', order: 'desc' })],
    ['by file size', () => ({ sort: 'byteSize', order: 'desc' })],
    ['by aperture, widest last', () => ({ sort: 'fNumber', order: 'desc' })],
  ])('%s walks a covering index in grid order: no row is read for the OFFSET, nothing is sorted', (_name, query) => {
    const lines = plan(query());
    const inner = pagePlan(lines);
    expect(inner.join('\n'), lines.join('\n')).toMatch(/^SEARCH p USING COVERING INDEX photos_grid_\w+ \(missing=\?/);
    expect(inner.join('\n'), lines.join('\n')).not.toMatch(/TEMP B-TREE/);
    // The outer query reads only the page's rows, by primary key.
    expect(lines, lines.join('\n')).toContain('SEARCH p USING INTEGER PRIMARY KEY (rowid=?)');
  });

  it.each<[string, () => PhotoQuery]>([
    ['one folder of one root', () => ({ rootId, folder: 'folder3', recursive: false })],
    ['a folder with its sub-folders', () => ({ folder: 'folder3' })],
    ['by status and camera', () => ({ status: ['none', 'predicted'], camera: 'Canon EOS R5' })],
    ['an aperture range', () => ({ fNumberMin: 1, fNumberMax: 2.8 })],
    ['including missing photos', () => ({ includeMissing: true })],
  ])('%s reads photos through an index', (_name, query) => {
    const lines = plan(query());
    for (const line of pagePlan(lines).filter((l) => /^(SCAN|SEARCH) p\b/.test(l))) {
      expect(line, lines.join('\n')).toMatch(/USING (COVERING )?INDEX/);
    }
  });

  it('counts the matching photos from an index', () => {
    const { count, params } = store._testOnlyPhotoQuerySql(parseQuery({}));
    const { limit: _limit, offset: _offset, ...countParams } = params;
    const lines = (store._testOnlyDb.prepare(`EXPLAIN QUERY PLAN ${count}`).all(countParams) as { detail: string }[]).map((row) => row.detail);
    expect(lines.join('\n')).toMatch(/COVERING INDEX/);
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
