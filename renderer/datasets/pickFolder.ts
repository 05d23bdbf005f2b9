/**
 * The desktop app's native folder picker, when there is one. Browser mode has none: the
 * dialogs then take a typed path.
 */

interface FolderPickingBridge {
  pickFolders?: () => Promise<string[]>;
}

/** A function that asks for one folder (null: cancelled), or null where no picker exists. */
export function nativeFolderPicker(): (() => Promise<string | null>) | null {
  const bridge = window.studio as FolderPickingBridge | undefined;
  const pick = bridge?.pickFolders;
  if (typeof pick !== 'function') return null;
  return async () => (await pick.call(bridge))[0] ?? null;
}
