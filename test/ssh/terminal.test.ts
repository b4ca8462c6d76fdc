import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TerminalClosed, TerminalData } from '../../src-main/api/contract';
import { startApp } from './harness/app';
import { addKeyServer } from './harness/key-server';
import type { TestApp } from './harness/app';
import { startSshd } from './harness/sshd';
import type { Sshd } from './harness/sshd';

const HIGH = 64 * 1024;
const LOW = 16 * 1024;
const CHUNK = 16 * 1024;

describe('terminal flow control against a real shell', () => {
  let app: TestApp;
  let sshd: Sshd;
  let serverId: string;
  beforeAll(async () => {
    [app, sshd] = await Promise.all([
      startApp({ terminalFlow: { highWater: HIGH, lowWater: LOW, maxChunk: CHUNK } }),
      startSshd(),
    ]);
    serverId = (await addKeyServer(app, sshd, 't')).id;
  });
  afterAll(async () => {
    await app?.close();
    await sshd?.stop();
  });

  function collect(sessionId: string) {
    const state = { text: '', units: 0, closed: null as TerminalClosed | null };
    const off = app.hd.events.listen((name, payload) => {
      if (name === 'terminal.data' && (payload as TerminalData).sessionId === sessionId) {
        state.text += (payload as TerminalData).data;
        state.units += (payload as TerminalData).data.length;
      }
      if (name === 'terminal.closed' && (payload as TerminalClosed).sessionId === sessionId)
        state.closed = payload as TerminalClosed;
    });
    return { state, off };
  }

  it('pauses the SSH channel while output is unacknowledged, and loses nothing when acks resume', async () => {
    const { sessionId } = await app.call('terminal.open', { serverId, cols: 80, rows: 24 });
    const { state, off } = collect(sessionId);
    await until(() => state.text.endsWith('$ '));
    app.hd.terminal.ack(sessionId, state.units);
    await app.call('terminal.write', { sessionId, data: 'seq 1 200000; echo END-OF-FLOOD\n' });

    // Without acks the backlog stops growing a little past the high-water mark: the channel paused.
    await until(() => app.hd.terminal.backlog(sessionId).paused);
    const held = state.units;
    const backlog = app.hd.terminal.backlog(sessionId).unacked;
    await new Promise((r) => setTimeout(r, 300));
    expect(state.units).toBe(held);
    expect(backlog).toBeGreaterThanOrEqual(HIGH);
    expect(backlog).toBeLessThanOrEqual(HIGH + CHUNK);
    expect(state.text).not.toContain('\r\nEND-OF-FLOOD\r\n');

    // Acknowledge as a renderer would, until the end marker: every line arrives, in order.
    let acked = state.units - backlog;
    await until(() => {
      if (state.units > acked) {
        // An ack may release held output at once (synchronously, into state): count before acking.
        const units = state.units - acked;
        acked = state.units;
        app.hd.terminal.ack(sessionId, units);
      }
      return state.text.includes('\r\nEND-OF-FLOOD\r\n');
    }, 60_000);
    const numbers = state.text
      .split('\r\n')
      .filter((l) => /^\d+$/.test(l))
      .map(Number);
    expect(numbers.length).toBe(200_000);
    expect(numbers.every((n, i) => n === i + 1)).toBe(true);
    off();
    await app.call('terminal.close', { sessionId });
  });

  it('reports a dropped connection as such, so the UI can offer to reconnect', async () => {
    const { sessionId } = await app.call('terminal.open', { serverId, cols: 80, rows: 24 });
    const { state, off } = collect(sessionId);
    await sshd.restart();
    await until(() => state.closed !== null);
    expect(state.closed).toMatchObject({ reason: 'dropped' });
    off();
  });

  it('reports an exited shell as an exit', async () => {
    const { sessionId } = await app.call('terminal.open', { serverId, cols: 80, rows: 24 });
    const { state, off } = collect(sessionId);
    await app.call('terminal.write', { sessionId, data: 'exit 7\n' });
    await until(() => state.closed !== null);
    expect(state.closed).toMatchObject({ reason: 'exit', message: 'The shell exited (7).' });
    off();
  });
});

async function until(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
