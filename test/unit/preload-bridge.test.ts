import { commandNames, eventNames } from '@contract';
import { describe, expect, it } from 'vitest';
import { createBridge } from '../../src-preload/bridge';
import type { IpcLike } from '../../src-preload/bridge';

type IpcListener = (event: unknown, payload: unknown) => void;

/**
 * FAKE of Electron's ipcRenderer (the one part that cannot exist under Node): records every invoke and
 * keeps real listener lists, so a test can push an event the way main would.
 */
function fakeIpcRenderer(answer: unknown = { ok: true, value: 'from main' }) {
  const invoked: { channel: string; args: unknown[] }[] = [];
  const listeners = new Map<string, IpcListener[]>();
  const ipc: IpcLike = {
    async invoke(channel, ...args) {
      invoked.push({ channel, args });
      return answer;
    },
    on(channel, listener) {
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
    },
    removeListener(channel, listener) {
      listeners.set(
        channel,
        (listeners.get(channel) ?? []).filter((l) => l !== listener),
      );
    },
  };
  const send = (channel: string, payload: unknown) => {
    const event = { sender: { id: 1, note: 'IpcRendererEvent: must never reach page code' }, ports: [] };
    for (const listener of listeners.get(channel) ?? []) listener(event, payload);
  };
  const listenerCount = (channel: string) => (listeners.get(channel) ?? []).length;
  return { ipc, invoked, send, listenerCount };
}

describe('preload bridge (window.hostdeck)', () => {
  it.each(['shell.exec', 'constructor', '__proto__', 'toString', 'hd:cmd:app.info', ''])(
    'refuses the non-contract command %j with UNKNOWN_COMMAND without touching IPC',
    async (name) => {
      const { ipc, invoked } = fakeIpcRenderer();
      const result = await createBridge(ipc).call(name, {});
      expect(result).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
      expect(invoked).toEqual([]);
    },
  );

  it('refuses a non-string command name without touching IPC', async () => {
    const { ipc, invoked } = fakeIpcRenderer();
    const result = await createBridge(ipc).call(42 as unknown as string, {});
    expect(result).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
    expect(invoked).toEqual([]);
  });

  it('sends a contract command on exactly its own channel hd:cmd:<name>, with the input, once', async () => {
    const { ipc, invoked } = fakeIpcRenderer();
    const result = await createBridge(ipc).call('jobs.list', { limit: 5 });
    expect(invoked).toEqual([{ channel: 'hd:cmd:jobs.list', args: [{ limit: 5 }] }]);
    expect(result).toEqual({ ok: true, value: 'from main' });
  });

  it('maps every contract command to hd:cmd:<name>', async () => {
    const { ipc, invoked } = fakeIpcRenderer();
    const bridge = createBridge(ipc);
    for (const name of commandNames) await bridge.call(name, {});
    expect(invoked.map((i) => i.channel)).toEqual(commandNames.map((name) => `hd:cmd:${name}`));
  });

  it('throws when subscribing to an event outside the contract, and registers nothing', () => {
    const { ipc, listenerCount } = fakeIpcRenderer();
    const bridge = createBridge(ipc);
    expect(() => bridge.subscribe('jobs.secrets', () => undefined)).toThrow(/no event named/);
    expect(() => bridge.subscribe('__proto__', () => undefined)).toThrow(/no event named/);
    expect(listenerCount('hd:evt:jobs.secrets')).toBe(0);
  });

  it('hands the listener only the payload, never the IPC event object', () => {
    const { ipc, send } = fakeIpcRenderer();
    const received: unknown[][] = [];
    createBridge(ipc).subscribe('jobs.updated', (...args: unknown[]) => received.push(args));
    send('hd:evt:jobs.updated', { job: { id: 'j1' }, steps: [] });
    expect(received).toEqual([[{ job: { id: 'j1' }, steps: [] }]]);
  });

  it('listens on hd:evt:<name> for every contract event', () => {
    const { ipc, send } = fakeIpcRenderer();
    const bridge = createBridge(ipc);
    const seen: unknown[] = [];
    for (const name of eventNames) bridge.subscribe(name, (payload) => seen.push(payload));
    for (const name of eventNames) send(`hd:evt:${name}`, name);
    expect(seen).toEqual(eventNames);
  });

  it('stops delivering once the returned unsubscribe function is called', () => {
    const { ipc, send, listenerCount } = fakeIpcRenderer();
    const received: unknown[] = [];
    const unsubscribe = createBridge(ipc).subscribe('jobs.log', (payload) => received.push(payload));
    send('hd:evt:jobs.log', ['first']);
    unsubscribe();
    send('hd:evt:jobs.log', ['second']);
    expect(received).toEqual([['first']]);
    expect(listenerCount('hd:evt:jobs.log')).toBe(0);
  });

  it('removes only its own listener when two subscribers share an event', () => {
    const { ipc, send } = fakeIpcRenderer();
    const bridge = createBridge(ipc);
    const a: unknown[] = [];
    const b: unknown[] = [];
    const stopA = bridge.subscribe('jobs.log', (p) => a.push(p));
    bridge.subscribe('jobs.log', (p) => b.push(p));
    stopA();
    send('hd:evt:jobs.log', 'x');
    expect(a).toEqual([]);
    expect(b).toEqual(['x']);
  });

  it('is frozen, so page code cannot add a generic "invoke anything" method', () => {
    const { ipc } = fakeIpcRenderer();
    const bridge = createBridge(ipc) as unknown as Record<string, unknown>;
    expect(Object.isFrozen(bridge)).toBe(true);
    expect(Object.keys(bridge).sort()).toEqual(['call', 'subscribe']);
  });
});
