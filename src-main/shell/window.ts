import { join } from 'node:path';
import { BrowserWindow } from 'electron';
import { APP_ORIGIN } from './trust';

export function createMainWindow(preloadPath: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Hostdeck',
    backgroundColor: '#15171c',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

export const defaultPreloadPath = (mainDir: string) => join(mainDir, '../preload/index.cjs');
export const defaultRendererDir = (mainDir: string) => join(mainDir, '../renderer');
