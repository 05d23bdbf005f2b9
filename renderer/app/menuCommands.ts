/**
 * Native menu commands (electron/desktop/menuTemplate.ts) as the page handles them. In
 * the desktop app the menu's accelerators (Ctrl+Z, Ctrl+S, ?) reach the page as these
 * commands rather than as key presses; browser mode has no menu and never sends them.
 */

/** Menu command → the mask editor command it stands for while the editor is open. */
export const EDITOR_MENU_COMMANDS: Readonly<Record<string, string>> = {
  'editor.undo': 'edit.undo',
  'editor.redo': 'edit.redo',
  'editor.save': 'file.save',
  'help.shortcuts': 'view.help',
};
