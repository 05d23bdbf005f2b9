/** Export file stems: safe on every filesystem, unique case-insensitively, stable. */
import { describe, expect, it } from 'vitest';
import { assignStems, safeStem } from '../../../electron/core/datasets/exportStems';

describe('export stems', () => {
  it('keeps ordinary names and makes odd ones safe', () => {
    expect(safeStem('IMG_0001.JPG')).toBe('IMG_0001');
    expect(safeStem('beach day.jpg')).toBe('beach_day');
    expect(safeStem('a:b*c?"d<e>f|g.png')).toBe('a_b_c__d_e_f_g');
    expect(safeStem('.hidden.jpg')).toBe('hidden');
    expect(safeStem('trailing. .jpg')).toBe('trailing');
    expect(safeStem('CON.jpg')).toBe('CON_');
    expect(safeStem('nul.png')).toBe('nul_');
    expect(safeStem('tab\there.jpg')).toBe('tab_here');
    expect(safeStem('.jpg')).toBe('jpg');
    expect(safeStem('...')).toBe('photo');
    expect(safeStem('noextension')).toBe('noextension');
    // NFD input (as macOS writes names) becomes NFC: one code point for é.
    expect(safeStem('cafe\u0301.jpg')).toBe('caf\u00e9');
    const long = safeStem(`${'é'.repeat(300)}.jpg`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(200);
    expect(long).toMatch(/^é+$/);
  });

  it('gives colliding photos a hash suffix, leaves the others alone, and is stable', () => {
    const sources = [
      { photoId: 1, name: 'x.jpg', hash: 'aaaaaaaa11111111' },
      { photoId: 2, name: 'x.png', hash: 'bbbbbbbb22222222' },
      { photoId: 3, name: 'X.jpg', hash: 'cccccccc33333333' },
      { photoId: 4, name: 'y.jpg', hash: 'dddddddd44444444' },
      // Its plain stem looks like a suffixed one: it keeps it, the suffixed photo moves on.
      { photoId: 5, name: 'x-aaaaaaaa.jpg', hash: 'eeeeeeee55555555' },
    ];
    const stems = assignStems(sources);
    expect(Object.fromEntries(stems)).toEqual({
      1: 'x-aaaaaaaa11111111',
      2: 'x-bbbbbbbb',
      3: 'X-cccccccc',
      4: 'y',
      5: 'x-aaaaaaaa',
    });
    expect(new Set([...stems.values()].map((stem) => stem.toLowerCase())).size).toBe(sources.length);
    expect(assignStems([...sources].reverse())).toEqual(stems);
    // Identical content under the same name twice: the photo id settles it.
    const twins = assignStems([
      { photoId: 8, name: 'z.jpg', hash: 'ffffffff' },
      { photoId: 9, name: 'z.jpg', hash: 'ffffffff' },
    ]);
    expect(twins.get(8)).toBe('z-ffffffff');
    expect(twins.get(9)).toBe('z-ffffffff-9');
  });
});
