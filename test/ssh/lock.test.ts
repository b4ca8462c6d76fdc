// Locking revokes access (issue #11): an open terminal ends, pooled SSH connections close, and
// nothing connects again until the vault is unlocked. Against a real sshd on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TerminalClosed, TerminalData } from '../../src-main/api/contract';
import { waitFor } from '../support/wait-for';
import { startApp } from './harness/app';
import { addKeyServer } from './harness/key-server';
import type { TestApp } from './harness/app';
import { startSshd } from './harness/sshd';
import type { Sshd } from './harness/sshd';

describe('locking the vault', () => {
  let app: TestApp;
  let sshd: Sshd;
  let serverId: string;
  beforeAll(async () => {
    [app, sshd] = await Promise.all([startApp(), startSshd()]);
    serverId = (await addKeyServer(app, sshd, 't')).id;
  });
  afterAll(async () => {
    await app?.close();
    await sshd?.stop();
  });

  it('ends an open terminal that is streaming output, closes the pooled connection, and refuses to reconnect', async () => {
    const { sessionId } = await app.call('terminal.open', { serverId, cols: 80, rows: 24 });
    let text = '';
    let units = 0;
    let closed: TerminalClosed | null = null;
    const off = app.hd.events.listen((name, payload) => {
      if (name === 'terminal.data' && (payload as TerminalData).sessionId === sessionId) {
        text += (payload as TerminalData).data;
        units += (payload as TerminalData).data.length;
        app.hd.terminal.ack(sessionId, (payload as TerminalData).data.length);
      }
      if (name === 'terminal.closed' && (payload as TerminalClosed).sessionId === sessionId)
        closed = payload as TerminalClosed;
    });
    try {
      await app.call('terminal.write', { sessionId, data: 'while :; do echo streaming; sleep 0.05; done\n' });
      await waitFor(() => text.includes('streaming\r\nstreaming'), { what: 'the shell to stream' });
      const connectsBefore = app.hd.pool.connectCount(serverId);

      await app.call('vault.lock', {});
      await waitFor(() => closed !== null, { what: 'the terminal to end on lock' });
      expect(closed).toMatchObject({ sessionId, message: expect.stringMatching(/vault was locked/) });
      const seen = units;
      await new Promise((r) => setTimeout(r, 300));
      expect(units).toBe(seen);

      // The window gets LOCKED; even the services themselves cannot reconnect without the vault.
      expect(await app.fail('terminal.open', { serverId, cols: 80, rows: 24 })).toMatchObject({
        code: 'LOCKED',
      });
      await expect(app.hd.pool.exec(serverId, 'true')).rejects.toMatchObject({ code: 'LOCKED' });
      expect(app.hd.pool.connectCount(serverId)).toBe(connectsBefore);

      await app.call('vault.unlock', { password: 'correct horse battery staple' });
      expect((await app.hd.pool.exec(serverId, 'echo back')).stdout).toBe('back\n');
    } finally {
      off();
    }
  });
});
