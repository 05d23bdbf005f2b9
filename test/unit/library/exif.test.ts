import { describe, expect, it } from 'vitest';
import { EMPTY_EXIF, cameraName, exifDateToIso, readExif } from '../../../electron/core/library/exif';

describe('cameraName', () => {
  it('joins make and model without repeating the make', () => {
    expect(cameraName('Canon', 'Canon EOS 5D')).toBe('Canon EOS 5D');
    expect(cameraName('NIKON CORPORATION', 'NIKON D850')).toBe('NIKON D850');
    expect(cameraName('SONY', 'ILCE-7M3')).toBe('SONY ILCE-7M3');
    expect(cameraName('OLYMPUS IMAGING CORP.', 'E-M1')).toBe('OLYMPUS E-M1');
    expect(cameraName('EASTMAN KODAK COMPANY', 'KODAK DCS Pro 14N')).toBe('KODAK DCS Pro 14N');
    expect(cameraName('FUJIFILM', 'X-T3')).toBe('FUJIFILM X-T3');
    expect(cameraName('Apple', null)).toBe('Apple');
    expect(cameraName(null, 'iPhone 15 Pro')).toBe('iPhone 15 Pro');
    expect(cameraName(null, null)).toBeNull();
  });
});

describe('exifDateToIso', () => {
  it('turns EXIF date-times into ISO 8601, with fraction and offset when given', () => {
    expect(exifDateToIso('2021:05:01 12:34:56', undefined, undefined)).toBe('2021-05-01T12:34:56');
    expect(exifDateToIso('2021:05:01 12:34:56', '7', '+02:00')).toBe('2021-05-01T12:34:56.700+02:00');
    expect(exifDateToIso('2021-05-01 12:34:56\0', '123456', 'junk')).toBe('2021-05-01T12:34:56.123');
  });

  it('treats unset clocks and garbage as unknown', () => {
    expect(exifDateToIso('0000:00:00 00:00:00', undefined, undefined)).toBeNull();
    expect(exifDateToIso('    :  :     :  :  ', undefined, undefined)).toBeNull();
    expect(exifDateToIso('2021:13:01 12:34:56', undefined, undefined)).toBeNull();
    expect(exifDateToIso(20210501, undefined, undefined)).toBeNull();
  });
});

describe('readExif', () => {
  it('gives empty fields for bytes without EXIF instead of throwing', async () => {
    expect(await readExif(Buffer.from('plain text, no EXIF here'))).toEqual(EMPTY_EXIF);
    expect(await readExif(Buffer.from([0x49, 0x49, 0x2a, 0x00, 0xff, 0xff, 0xff, 0x7f]))).toEqual(EMPTY_EXIF);
  });
});
