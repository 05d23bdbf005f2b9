import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base64url, resourceKey, signResource, signatureExpiry, signedText } from '../../../electron/api/browserAuth';
import { hmacSha256, sha256 } from '../../../electron/api/hmacSha256';
import { checkResourceSignature, serverResourceKey } from '../../../electron/server/security';

describe('the page signer agrees with node:crypto', () => {
  it('SHA-256 and HMAC-SHA-256 of random messages and keys (0 to 300 bytes, keys over a block hashed)', () => {
    for (let length = 0; length <= 300; length++) {
      const message = randomBytes(length);
      const key = randomBytes(length % 150);
      expect(Buffer.from(sha256(message)).toString('hex')).toBe(createHash('sha256').update(message).digest('hex'));
      expect(Buffer.from(hmacSha256(key, message)).toString('hex')).toBe(createHmac('sha256', key).update(message).digest('hex'));
    }
  });

  it('base64url as Node writes it, and the resource key the server derives', () => {
    for (let length = 0; length < 70; length++) {
      const bytes = randomBytes(length);
      expect(base64url(bytes)).toBe(bytes.toString('base64url'));
    }
    const token = randomBytes(32).toString('base64url');
    expect(Buffer.from(resourceKey(token)).equals(serverResourceKey(token))).toBe(true);
  });

  it('a page signature passes the server check for its own URL only', () => {
    const token = randomBytes(32).toString('base64url');
    const now = Date.UTC(2026, 0, 1, 12, 30);
    const expires = signatureExpiry(now);
    expect(expires - now / 1000).toBeGreaterThanOrEqual(3600);
    expect(expires - now / 1000).toBeLessThanOrEqual(7200);
    const sig = signResource(resourceKey(token), 'mask', 12, { datasetId: '3', version: '7' }, expires);
    const url = (query: string): URL => new URL(`http://127.0.0.1/files/mask/12?${query}`);
    const key = serverResourceKey(token);
    expect(checkResourceSignature(key, 'mask', 12, url(`version=7&datasetId=3&exp=${expires}&sig=${sig}`), now)).toBeNull();
    expect(checkResourceSignature(key, 'mask', 12, url(`version=8&datasetId=3&exp=${expires}&sig=${sig}`), now)).toBe('Wrong signature');
    expect(checkResourceSignature(key, 'mask', 13, url(`version=7&datasetId=3&exp=${expires}&sig=${sig}`), now)).toBe('Wrong signature');
    expect(checkResourceSignature(key, 'mask', 12, url(`version=7&datasetId=3&exp=${expires}&sig=${sig}`), (expires + 1) * 1000)).toMatch(/expired/);
    // A value cannot smuggle a separator into the signed text.
    expect(signedText('photo', 1, { a: '1&b=2' }, 5)).not.toBe(signedText('photo', 1, { a: '1', b: '2' }, 5));
  });
});
