import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MISSING_ELECTRON_MESSAGE, electronBinary } from '../../../scripts/electronBinary.mjs';

const folders: string[] = [];

/** An electron package folder as npm leaves it: with or without the downloaded dist/. */
function electronPackage(options: { pathTxt?: string; executable?: string } = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'electron-package-'));
  folders.push(dir);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'electron', version: '45.5.0' }));
  if (options.pathTxt !== undefined) writeFileSync(path.join(dir, 'path.txt'), options.pathTxt);
  if (options.executable !== undefined) writeExecutable(path.join(dir, 'dist', options.executable));
  return dir;
}

function writeExecutable(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
}

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('electronBinary', () => {
  it('is null when the download was skipped (no path.txt)', () => {
    expect(electronBinary(electronPackage(), {})).toBeNull();
  });

  it('is null when path.txt names a file that is not there', () => {
    expect(electronBinary(electronPackage({ pathTxt: 'electron' }), {})).toBeNull();
  });

  it('is the executable path.txt names inside dist/', () => {
    const dir = electronPackage({ pathTxt: 'electron\n', executable: 'electron' });
    expect(electronBinary(dir, {})).toBe(path.join(dir, 'dist', 'electron'));
    const mac = electronPackage({ pathTxt: 'Electron.app/Contents/MacOS/Electron', executable: 'Electron.app/Contents/MacOS/Electron' });
    expect(electronBinary(mac, {}, 'darwin')).toBe(path.join(mac, 'dist', 'Electron.app/Contents/MacOS/Electron'));
  });

  it('takes ELECTRON_OVERRIDE_DIST_PATH as the dist folder, as the electron package does', () => {
    const override = mkdtempSync(path.join(os.tmpdir(), 'electron-dist-'));
    folders.push(override);
    const dir = electronPackage();
    expect(electronBinary(dir, { ELECTRON_OVERRIDE_DIST_PATH: override }, 'linux'), 'an empty override folder').toBeNull();
    writeExecutable(path.join(override, 'electron'));
    expect(electronBinary(dir, { ELECTRON_OVERRIDE_DIST_PATH: override }, 'linux')).toBe(path.join(override, 'electron'));
    expect(electronBinary(dir, { ELECTRON_OVERRIDE_DIST_PATH: override }, 'win32'), 'electron.exe on Windows').toBeNull();
    writeExecutable(path.join(override, 'electron.exe'));
    expect(electronBinary(dir, { ELECTRON_OVERRIDE_DIST_PATH: override }, 'win32')).toBe(path.join(override, 'electron.exe'));
    // The override wins over a downloaded binary, and uses the name path.txt gives.
    const downloaded = electronPackage({ pathTxt: 'electron', executable: 'electron' });
    expect(electronBinary(downloaded, { ELECTRON_OVERRIDE_DIST_PATH: override }, 'linux')).toBe(path.join(override, 'electron'));
  });

  it('has a message that says what is missing and what works without it', () => {
    expect(MISSING_ELECTRON_MESSAGE).toMatch(/^The Electron binary is not installed/);
    expect(MISSING_ELECTRON_MESSAGE).toContain('node node_modules/electron/install.js');
    expect(MISSING_ELECTRON_MESSAGE).toContain('npm run serve');
  });
});
