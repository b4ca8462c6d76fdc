/// <reference lib="dom" />
import type { HostdeckBridge } from '../../../src-main/api/contract';
/**
 * window.hostdeck for the e2e browser: the same shape and the same allow-list as the preload
 * (src-preload/bridge.ts), carried over the bridge instead of Electron IPC: calls go up its WebSocket,
 * results and events come back, in order, as newline-delimited JSON in one streamed response (not as
 * WebSocket frames, which Chromium copies whole into CDP events for Playwright; see server.ts).
 * Serialised with Function#toString and injected by page.addInitScript, so it must be self-contained.
 */
export function installShim(allowed: { commands: string[]; events: string[] }): void {
  type Pending = { resolve: (v: unknown) => void };
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const queue: string[] = [];
  let nextId = 1;
  const token = crypto.randomUUID();
  const socket = new WebSocket(`ws://${location.host}/__bridge?c=${token}`);
  socket.addEventListener('open', () => {
    for (const m of queue.splice(0)) socket.send(m);
  });
  const deliver = (line: string) => {
    const msg = JSON.parse(line) as {
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
  };
  // One message per task, as with IPC or WebSocket messages: what a result resolves (an awaiting
  // caller, a React update) runs before the next message, e.g. an event about what it just created.
  const tick = new MessageChannel();
  let woken: (() => void) | null = null;
  tick.port1.onmessage = () => woken?.();
  const nextTask = () =>
    new Promise<void>((resolve) => {
      woken = resolve;
      tick.port2.postMessage(null);
    });
  void (async () => {
    const res = await fetch(`/__bridge/down?c=${token}`, { cache: 'no-store' });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    // A line (JSON never holds a raw newline) may span many reads: keep its pieces and look for the
    // end only in what just arrived, so a large message costs one pass, not one per read.
    let pieces: string[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      let start = 0;
      for (let end = value.indexOf('\n'); end !== -1; end = value.indexOf('\n', start)) {
        pieces.push(value.slice(start, end));
        const line = pieces.length === 1 ? pieces[0]! : pieces.join('');
        pieces = [];
        deliver(line);
        start = end + 1;
        await nextTask();
      }
      if (start < value.length) pieces.push(value.slice(start));
    }
  })().catch(() => undefined);
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
