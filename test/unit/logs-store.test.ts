// The logs store outlives the Logs view; these check what it holds on to, and when it lets go.
// The bridge here is a stand-in for window.hostdeck (the real one is proven by the e2e tier).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { endLogs, useLogs } from '../../src-renderer/src/features/logs/store';

interface FakeBridge {
  calls: { command: string; input: unknown }[];
  listeners: Map<string, Set<(p: unknown) => void>>;
  emit(name: string, payload: unknown): void;
  listening(): number;
}

function fakeBridge(): FakeBridge {
  let next = 1;
  const calls: FakeBridge['calls'] = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const fake = {
    calls,
    listeners,
    emit: (name: string, payload: unknown) => listeners.get(name)?.forEach((l) => l(payload)),
    listening: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
  };
  (globalThis as { window?: unknown }).window = {
    hostdeck: {
      call(command: string, input: unknown) {
        calls.push({ command, input });
        const value = command === 'logs.follow' ? { streamId: `s${next++}` } : { done: true };
        return Promise.resolve({ ok: true, value });
      },
      subscribe(name: string, listener: (p: unknown) => void) {
        const set = listeners.get(name) ?? new Set();
        set.add(listener);
        listeners.set(name, set);
        return () => set.delete(listener);
      },
    },
  };
  return fake;
}

const entry = (message: string) => ({ time: Date.now(), unit: 'caddy.service', level: 'info', message });

describe('the window-owned log stream (features/logs/store)', () => {
  let bridge: FakeBridge;
  beforeEach(() => {
    bridge = fakeBridge();
  });
  afterEach(() => {
    endLogs();
    delete (globalThis as { window?: unknown }).window;
  });

  it('keeps the entries of the stream it follows and ignores other streams', async () => {
    await useLogs.getState().followUnits('server-1', ['caddy.service'], 1000);
    expect(useLogs.getState().streamId).toBe('s1');
    bridge.emit('logs.entries', { streamId: 's1', entries: [entry('one'), entry('two')] });
    bridge.emit('logs.entries', { streamId: 'other', entries: [entry('not ours')] });
    expect(useLogs.getState().buffer.items.map((e) => e.message)).toEqual(['one', 'two']);
  });

  it('stops the previous stream and releases its listeners when another is followed', async () => {
    await useLogs.getState().followUnits('server-1', ['caddy.service'], 1000);
    const listening = bridge.listening();
    await useLogs.getState().followUnits('server-1', ['mariadb.service'], 1000);
    expect(bridge.calls.filter((c) => c.command === 'logs.stop')).toEqual([
      { command: 'logs.stop', input: { streamId: 's1' } },
    ]);
    expect(bridge.listening()).toBe(listening);
    expect(useLogs.getState().streamId).toBe('s2');
  });

  it('lets go of a stream main ended, and says why', async () => {
    await useLogs.getState().followUnits('server-1', ['caddy.service'], 1000);
    bridge.emit('logs.ended', { streamId: 's1', message: 'The SSH connection dropped.' });
    expect(useLogs.getState()).toMatchObject({ streamId: null, note: 'The SSH connection dropped.' });
    expect(bridge.listening()).toBe(0);
  });

  it('ends everything when the window session ends (vault locked), leaving nothing subscribed', async () => {
    await useLogs.getState().followUnits('server-1', ['caddy.service'], 1000);
    useLogs.getState().choose({ customUnit: 'cron.service' });
    endLogs();
    expect(bridge.listening()).toBe(0);
    expect(bridge.calls.at(-1)).toEqual({ command: 'logs.stop', input: { streamId: 's1' } });
    expect(useLogs.getState()).toMatchObject({ streamId: null, customUnit: '', buffer: { items: [] } });
  });
});
