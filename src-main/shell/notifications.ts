// Alerts as desktop notifications: clicking one brings the window up on the server or site it is
// about (through the monitor.open event the renderer follows).
import type { BrowserWindow } from 'electron';
import { Notification } from 'electron';
import type { EventBus } from '../base/events';
import type { AlertNotice } from '../monitor';

export function desktopNotifier(window: () => BrowserWindow | null, events: () => EventBus | null) {
  // Held until closed or clicked: a notification garbage-collected early loses its click handler.
  const shown = new Set<Notification>();
  return (n: AlertNotice): void => {
    if (!Notification.isSupported()) return;
    const note = new Notification({ title: n.title, body: n.body });
    note.on('click', () => {
      shown.delete(note);
      const w = window();
      if (w) {
        if (w.isMinimized()) w.restore();
        w.show();
        w.focus();
      }
      events()?.emit('monitor.open', { serverId: n.serverId, siteId: n.siteId });
    });
    note.on('close', () => shown.delete(note));
    shown.add(note);
    note.show();
  };
}
