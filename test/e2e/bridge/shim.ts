/// <reference lib="dom" />
import type { HostdeckBridge } from '../../../src-main/api/contract';
/**
 * window.hostdeck for the e2e browser: the same shape and the same allow-list as the preload
 * (src-preload/bridge.ts), carried over the bridge's WebSocket instead of Electron IPC.
 * Serialised with Function#toString and injected by page.addInitScript, so it must be self-contained.
 */
export function installShim(allowed: { commands: string[]; events: string[] }): void {
  type Pending = { resolve: (v: unknown) => void };
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const queue: string[] = [];
  let nextId = 1;
  const socket = new WebSocket(`ws://${location.host}/__bridge`);
  socket.addEventListener('open', () => {
    for (const m of queue.splice(0)) socket.send(m);
  });
  socket.addEventListener('message', (ev) => {
    const msg = JSON.parse(String(ev.data)) as {
      t: string;
      id?: number;
      result?: unknown;
      name?: string;
      payload?: unknown;
    };
    if (msg.t === 'result' && msg.id !== undefined) {
      pending.get(msg.id)?.resolve(msg.result);
      pending.delete(msg.id);
    } else if (msg.t === 'event' && msg.name) {
      for (const l of listeners.get(msg.name) ?? []) l(msg.payload);
    }
  });
  const send = (m: string) => (socket.readyState === WebSocket.OPEN ? socket.send(m) : queue.push(m));
  Object.defineProperty(window, 'hostdeck', {
    configurable: false,
    writable: false,
    value: Object.freeze({
      call(command: string, input: unknown) {
        if (!allowed.commands.includes(command)) {
          return Promise.resolve({
            ok: false,
            error: {
              code: 'UNKNOWN_COMMAND',
              message: `There is no command named ${JSON.stringify(String(command))}.`,
            },
          });
        }
        const id = nextId++;
        return new Promise((resolve) => {
          pending.set(id, { resolve });
          send(JSON.stringify({ t: 'call', id, command, input }));
        });
      },
      subscribe(name: string, listener: (p: unknown) => void) {
        if (!allowed.events.includes(name))
          throw new Error(`There is no event named ${JSON.stringify(String(name))}.`);
        const set = listeners.get(name) ?? new Set();
        set.add(listener);
        listeners.set(name, set);
        return () => set.delete(listener);
      },
    }),
  });
}

declare global {
  interface Window {
    hostdeck?: HostdeckBridge;
  }
}
