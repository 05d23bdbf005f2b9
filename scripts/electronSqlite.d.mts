// Types of electronSqlite.mjs, for the TypeScript tests of the prepare and packaging steps.

export declare const ELECTRON_SQLITE_CACHE_DIR: string;
export declare const PACKAGED_ELECTRON_SQLITE_DIR: string;
export declare const SQLITE_ADDON_FILE: string;
/** The exit status when the Electron build can be neither fetched nor compiled. */
export declare const EXIT_ELECTRON_SQLITE_UNAVAILABLE: number;

export interface ElectronSqliteTarget {
  electronVersion: string;
  platform: string;
  arch: string;
}

export interface PrepareOptions {
  /** Default: .cache/electron-native in the repository. */
  cacheDir?: string;
  force?: boolean;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Names the command in messages ("npm start"). */
  caller?: string;
}

/** `env` without the npm_config_* settings that would retarget prebuild-install or node-gyp (nodedir, target, runtime, …). */
export declare function buildEnv(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export declare function electronSqliteKey(electronVersion: string, platform: string, arch: string): string;
export declare class ElectronSqliteUnavailable extends Error {}
export declare function installedBetterSqlite(): { dir: string; version: string };
export declare function prepareElectronSqlite(target: ElectronSqliteTarget, options?: PrepareOptions): { file: string; source: 'cache' | 'prebuilt' | 'compiled' };
export declare function stageElectronSqlite(targets: ElectronSqliteTarget[], options?: PrepareOptions & { stageDir?: string }): string[];
export declare function packageTargets(args: string[], electronVersion: string, hostPlatform?: string, hostArch?: string): ElectronSqliteTarget[];
