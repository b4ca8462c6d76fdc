import { Menu } from 'electron';
import type { MenuItemConstructorOptions } from 'electron';

/**
 * The application menu: Electron's default one has View → Toggle Developer Tools (and reload),
 * which a packaged build must not offer. Edit (copy and paste in forms and the terminal) and Window
 * stay; development builds keep the view menu for DevTools.
 */
export function installAppMenu(packaged: boolean): void {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : [{ role: 'fileMenu' as const }]),
    { role: 'editMenu' },
    ...(packaged ? [] : [{ role: 'viewMenu' as const }]),
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
