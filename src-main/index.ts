/**
 * Electron entry: the app shell. The only file (with src-main/shell/) that imports electron.
 * Everything else is plain Node services built by createHostdeck().
 */
import type { BrowserWindow } from 'electron';
import { join } from 'node:path';
import { app, session, shell } from 'electron';
import type { Hostdeck } from './core/hostdeck';
import { createHostdeck } from './core/hostdeck';
import { bindIpc } from './shell/ipc';
import { registerAppScheme, serveRenderer } from './shell/protocol';
import { allowPermission } from './shell/trust';
import { createMainWindow, defaultPreloadPath, defaultRendererDir } from './shell/window';

let hostdeck: Hostdeck | null = null;
let mainWindow: BrowserWindow | null = null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();

  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });

  // Deny everything a web page might try: new windows, navigation, webviews, permissions.
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      if (url.startsWith('https://')) void shell.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });

  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) =>
      callback(allowPermission(permission, details.requestingUrl)),
    );
    session.defaultSession.setPermissionCheckHandler((_wc, permission, origin) =>
      allowPermission(permission, origin),
    );
    hostdeck = createHostdeck({
      dataDir: app.getPath('userData'),
      version: app.getVersion(),
      runtime: `electron ${process.versions.electron}`,
      scriptsDir: join(app.getAppPath(), 'server-scripts'),
    });
    serveRenderer(defaultRendererDir(__dirname));
    bindIpc(hostdeck, () => mainWindow);
    mainWindow = createMainWindow(defaultPreloadPath(__dirname));
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
  });

  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting || !hostdeck) return;
    event.preventDefault();
    quitting = true;
    void hostdeck.close().finally(() => app.quit());
  });

  app.on('window-all-closed', () => app.quit());
}
