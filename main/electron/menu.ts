/**
 * The application menu, our own: Electron's default one carries "Toggle Developer Tools"
 * (Ctrl+Shift+I / Alt+Cmd+I) and reload accelerators. Packaged builds get neither; a dev
 * checkout (`npm start`) keeps them for the people working on Tincan.
 */
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuOptions {
  packaged: boolean;
  platform: NodeJS.Platform;
  openLogFolder: () => void;
}

export const OPEN_LOG_FOLDER_LABEL = 'Open Log Folder';

export function menuTemplate({ packaged, platform, openLogFolder }: MenuOptions): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const view: MenuItemConstructorOptions[] = [
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  if (!packaged) view.push({ type: 'separator' }, { role: 'reload' }, { role: 'toggleDevTools' });
  const template: MenuItemConstructorOptions[] = [];
  if (mac) template.push({ role: 'appMenu' });
  template.push(
    { label: 'File', submenu: [mac ? { role: 'close' } : { role: 'quit' }] },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: OPEN_LOG_FOLDER_LABEL, click: openLogFolder }] },
  );
  return template;
}
