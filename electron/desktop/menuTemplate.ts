/**
 * The native menu as plain data: labels, accelerators and the command each item sends
 * to the renderer. main.ts turns it into an Electron Menu; tests read it directly.
 */

export interface MenuItemSpec {
  label?: string;
  /** Command sent to the renderer ('studio:command'), or handled in main (`main:` prefix). */
  command?: string;
  accelerator?: string;
  role?: string;
  separator?: boolean;
  submenu?: MenuItemSpec[];
}

/**
 * `devTools`: whether View offers the developer tools; only in development, since in a
 * production build they would hand anyone at the keyboard a console inside the page's
 * origin (the window is created without them too: main.ts, `webPreferences.devTools`).
 */
export function buildMenuTemplate(options: { isMac: boolean; recentLibraries: readonly string[]; devTools: boolean }): MenuItemSpec[] {
  const recent: MenuItemSpec[] = options.recentLibraries.length
    ? options.recentLibraries.map((folder) => ({ label: folder, command: `main:openRecent:${folder}` }))
    : [{ label: 'No recent libraries' }];
  return [
    ...(options.isMac ? [{ role: 'appMenu' }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Library…', command: 'main:openLibrary', accelerator: 'CmdOrCtrl+O' },
        { label: 'Open Recent', submenu: recent },
        { separator: true },
        { label: 'Import Dataset…', command: 'dataset.import', accelerator: 'CmdOrCtrl+Shift+I' },
        { label: 'Export Dataset…', command: 'dataset.export', accelerator: 'CmdOrCtrl+Shift+E' },
        { separator: true },
        { label: 'Save Mask', command: 'editor.save', accelerator: 'CmdOrCtrl+S' },
        { separator: true },
        options.isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: 'Edit',
      submenu: [
        { label: 'Undo', command: 'editor.undo', accelerator: 'CmdOrCtrl+Z' },
        { label: 'Redo', command: 'editor.redo', accelerator: options.isMac ? 'Cmd+Shift+Z' : 'Ctrl+Y' },
        { separator: true },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { label: 'Select All Photos', command: 'library.selectAll', accelerator: 'CmdOrCtrl+A' },
      ],
    },
    {
      label: 'View',
      submenu: [
        { label: 'Library', command: 'view.library', accelerator: 'CmdOrCtrl+1' },
        { label: 'Editor', command: 'view.editor', accelerator: 'CmdOrCtrl+2' },
        { label: 'Datasets', command: 'view.datasets', accelerator: 'CmdOrCtrl+3' },
        { separator: true },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { separator: true },
        { role: 'togglefullscreen' },
        ...(options.devTools ? [{ role: 'toggleDevTools' }] : []),
      ],
    },
    {
      label: 'Model',
      submenu: [
        { label: 'Detect Blur', command: 'detect.run', accelerator: 'CmdOrCtrl+D' },
        { label: 'Detect on Photos Without Mask', command: 'detect.unmasked' },
        { separator: true },
        { label: 'Choose Model…', command: 'main:chooseModel' },
        { label: 'Fine-tune…', command: 'finetune.open' },
      ],
    },
    {
      label: 'Help',
      submenu: [
        { label: 'Keyboard Shortcuts', command: 'help.shortcuts', accelerator: '?' },
        { label: 'About DeFusion Studio', command: 'main:about' },
      ],
    },
  ];
}
