/**
 * Electron entry: the app shell. The only file (with src-main/shell/) that imports electron.
 * Everything else is plain Node services built by createHostdeck().
 */
import type { BrowserWindow } from 'electron';
import { join } from 'node:path';
import { app, dialog, powerMonitor, session, shell } from 'electron';
import type { Hostdeck } from './core/hostdeck';
import { createHostdeck } from './core/hostdeck';
import { bindIpc } from './shell/ipc';
import { desktopNotifier } from './shell/notifications';
import { registerAppScheme, serveRenderer } from './shell/protocol';
import { installAppMenu } from './shell/menu';
import { allowPermission, openExternalAfterAsking } from './shell/trust';
import { lockOnSystemEvents } from './vault';
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
    // Links (terminal output, logs) are untrusted text: the full URL is shown and must be confirmed.
    contents.setWindowOpenHandler(({ url }) => {
      void openExternalAfterAsking(
        url,
        async (full) => {
          const options = {
            type: 'question' as const,
            buttons: ['Open in browser', 'Cancel'],
            defaultId: 1,
            cancelId: 1,
            message: 'Open this link in your browser?',
            detail: full,
          };
          const r = mainWindow
            ? await dialog.showMessageBox(mainWindow, options)
            : await dialog.showMessageBox(options);
          return r.response === 0;
        },
        (full) => shell.openExternal(full),
      );
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
      monitorIntervalMs: 15_000,
      notify: desktopNotifier(
        () => mainWindow,
        () => hostdeck?.events ?? null,
      ),
    });
    const services = hostdeck;
    lockOnSystemEvents(powerMonitor, services.vault, () => services.settings.get().vaultLockOnSleep);
    installAppMenu(app.isPackaged);
    serveRenderer(defaultRendererDir(__dirname));
    bindIpc(hostdeck, () => mainWindow);
    mainWindow = createMainWindow(defaultPreloadPath(__dirname), !app.isPackaged);
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
