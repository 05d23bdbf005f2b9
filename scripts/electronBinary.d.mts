// Types of electronBinary.mjs, for the TypeScript tests that check the lookup.

/** The repository root (the folder holding package.json). */
export declare const repoRoot: string;

/**
 * Absolute path of the Electron executable, or null when it was never downloaded.
 * `packageDir` is the electron package folder (default: node_modules/electron).
 */
export declare function electronBinary(packageDir?: string, env?: NodeJS.ProcessEnv, platform?: NodeJS.Platform): string | null;

/** The version of that Electron (ELECTRON_OVERRIDE_DIST_PATH's `version` file, else the electron package's). */
export declare function electronVersion(packageDir?: string, env?: NodeJS.ProcessEnv): string;

/** What `npm start` and the packaging step print when the binary is missing. */
export declare const MISSING_ELECTRON_MESSAGE: string;
