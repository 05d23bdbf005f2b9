/**
 * Where the studio keeps its database by default: the platform's per-user application
 * data folder, the same place Electron's `app.getPath('userData')` points to.
 */
import os from 'node:os';
import path from 'node:path';

export const APP_FOLDER_NAME = 'defusion-studio';

/** The per-user folder of the studio (not created here). */
export function appDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  const home = os.homedir();
  if (platform === 'win32') {
    return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_FOLDER_NAME);
  }
  if (platform === 'darwin') {
    return path.join(home, 'Library', 'Application Support', APP_FOLDER_NAME);
  }
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), APP_FOLDER_NAME);
}

/** The default database file. */
export function defaultDbPath(): string {
  return path.join(appDataDir(), 'studio.db');
}
