import { describe, expect, it } from 'vitest';
import { buildMenuTemplate } from '../../../electron/desktop/menuTemplate';
import type { MenuItemSpec } from '../../../electron/desktop/menuTemplate';

function flatten(items: MenuItemSpec[]): MenuItemSpec[] {
  return items.flatMap((item) => [item, ...flatten(item.submenu ?? [])]);
}

describe('native menu', () => {
  it('has the menus the studio promises, with unique accelerators', () => {
    const template = buildMenuTemplate({ isMac: false, recentLibraries: [], devTools: false });
    expect(template.map((menu) => menu.label)).toEqual(['File', 'Edit', 'View', 'Model', 'Help']);
    const accelerators = flatten(template).map((item) => item.accelerator).filter(Boolean);
    expect(new Set(accelerators).size).toBe(accelerators.length);
    const commands = flatten(template).map((item) => item.command);
    for (const command of ['main:openLibrary', 'dataset.import', 'dataset.export', 'editor.undo', 'editor.redo', 'detect.run', 'main:chooseModel', 'finetune.open', 'help.shortcuts', 'main:about']) {
      expect(commands).toContain(command);
    }
  });

  it('lists recent libraries, and says so when there are none', () => {
    const withRecent = flatten(buildMenuTemplate({ isMac: true, recentLibraries: ['/photos/a', '/photos/b'], devTools: false }));
    expect(withRecent.filter((item) => item.command?.startsWith('main:openRecent:')).map((item) => item.label)).toEqual(['/photos/a', '/photos/b']);
    const empty = flatten(buildMenuTemplate({ isMac: false, recentLibraries: [], devTools: false }));
    expect(empty.some((item) => item.label === 'No recent libraries' && !item.command)).toBe(true);
  });

  it('offers the developer tools in development only', () => {
    const roles = (devTools: boolean): string[] =>
      flatten(buildMenuTemplate({ isMac: false, recentLibraries: [], devTools })).map((item) => item.role ?? '').filter(Boolean);
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(true)).toContain('toggleDevTools');
  });
});
