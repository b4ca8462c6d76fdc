import { join } from 'node:path';
import { BrowserWindow } from 'electron';
import { APP_ORIGIN } from './trust';

/** `devTools` is off in a packaged build: no inspector for whoever sits at an unlocked laptop. */
export function createMainWindow(preloadPath: string, devTools: boolean): BrowserWindow {
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
      devTools,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

export const defaultPreloadPath = (mainDir: string) => join(mainDir, '../preload/index.cjs');
export const defaultRendererDir = (mainDir: string) => join(mainDir, '../renderer');
