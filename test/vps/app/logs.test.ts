// Live logs from a real Debian 12 host: journald followed over the pooled SSH connection.
import { afterAll, describe, expect, it } from 'vitest';
import type { LogBatch, LogEntry } from '../../../src-main/api/contract';
import { matches } from '../../../src-renderer/src/features/logs/ring';
import { startApp } from '../../ssh/harness/app';
import { addTestHost } from '../../support/trusted-server';
import { stopAll } from '../harness/index.js';
import { withFreshHosts } from '../provision/fresh-hosts';

afterAll(stopAll);

describe('live logs', () => {
  it('shows a unit journal line live with vault secrets blanked, and Caddy requests filterable by status', async () => {
    await withFreshHosts(1, async ([host]) => {
      const app = await startApp();
      try {
        const call = (n: string, i: unknown) => app.call(n as never, i as never);
        const { serverId } = await addTestHost(call, host!);
        const job = await app.hd.jobs.wait(
          (await app.call('provision.run', { serverId, modules: ['caddy'], check: false })).jobId,
        );
        expect(job.state, job.error ?? '').toBe('succeeded');
        // A site that logs its requests as JSON (the sites feature writes such files; here by hand).
        const site = `http://logs.test {\n\tlog {\n\t\toutput stderr\n\t\tformat json\n\t}\n\trespond /ok "fine" 200\n\trespond "nope" 404\n}\n`;
        expect(
          (
            await host!.exec(
              `cat > /etc/caddy/sites/logs-test.caddy <<'EOF'\n${site}EOF\nsystemctl reload caddy`,
            )
          ).code,
        ).toBe(0);

        const entries: LogEntry[] = [];
        app.hd.events.listen((name, payload) => {
          if (name === 'logs.entries') entries.push(...(payload as LogBatch).entries);
        });
        const unit = `hd-logtest-${Date.now()}`;
        const { streamId } = await app.call('logs.follow', {
          serverId,
          units: ['caddy.service', `${unit}.service`],
          backlog: 10,
        });

        // A secret the vault holds, printed by a service on the host (a misconfigured app that logs
        // its database password): the line is shown, the value is not.
        const password = `Leaky-${Date.now()}-pw`;
        await app.call('vault.secrets.add', { kind: 'password', label: 'leaky app', password });

        // Live: everything below is written after the stream started.
        await host!.exec(
          `systemd-run --unit=${unit} --wait sh -c 'echo hello-from-${unit}; echo connecting with password=${password} now'`,
        );
        for (const path of ['/ok', '/ok', '/missing', '/gone']) {
          await host!.exec(
            `exec 3<>/dev/tcp/127.0.0.1/80; printf 'GET ${path} HTTP/1.1\\r\\nHost: logs.test\\r\\nConnection: close\\r\\n\\r\\n' >&3; cat <&3 >/dev/null`,
          );
        }
        await until(() => entries.some((e) => e.message.includes(`hello-from-${unit}`)));
        await until(() => entries.filter((e) => e.http).length >= 4);
        // (systemd's own "Started …" line quotes the command, secret included: blanked too, below)
        await until(() => entries.some((e) => e.message.startsWith('connecting with password=')));
        expect(entries.find((e) => e.message.startsWith('connecting with password='))!.message).toBe(
          'connecting with password=[secret] now',
        );
        expect(entries.some((e) => e.message.includes(password))).toBe(false);

        const http = entries.filter((e) => e.http);
        expect(http.map((e) => e.http!.path).sort()).toEqual(['/gone', '/missing', '/ok', '/ok']);
        expect(http.find((e) => e.http!.path === '/ok')).toMatchObject({
          unit: 'caddy.service',
          http: { status: 200, method: 'GET', host: 'logs.test' },
        });
        const only404 = entries.filter((e) => matches(e, { text: '', level: 'all', status: '4xx' }));
        expect(only404.map((e) => e.http!.path).sort()).toEqual(['/gone', '/missing']);

        await app.call('logs.stop', { streamId });
      } finally {
        await app.close();
      }
    });
  });

  it('ends a followed log when the vault locks, and answers LOCKED until it is unlocked', async () => {
    await withFreshHosts(1, async ([host]) => {
      const app = await startApp();
      try {
        const call = (n: string, i: unknown) => app.call(n as never, i as never);
        const { serverId } = await addTestHost(call, host!);
        const ended: string[] = [];
        const seen: LogEntry[] = [];
        app.hd.events.listen((name, payload) => {
          if (name === 'logs.ended') ended.push((payload as { streamId: string }).streamId);
          if (name === 'logs.entries') seen.push(...(payload as LogBatch).entries);
        });
        const { streamId } = await app.call('logs.follow', { serverId, units: ['ssh.service'], backlog: 5 });
        await until(() => seen.length > 0);
        await app.call('vault.lock', {});
        await until(() => ended.includes(streamId));
        expect(await app.fail('logs.follow', { serverId, units: ['ssh.service'], backlog: 5 })).toMatchObject(
          {
            code: 'LOCKED',
          },
        );
        // Nothing of that server arrives any more: the stream's channel and the connection are gone.
        const count = seen.length;
        await host!.exec('logger -t sshd after-lock; systemctl restart ssh');
        await new Promise((r) => setTimeout(r, 1_000));
        expect(seen.length).toBe(count);
      } finally {
        await app.close();
      }
    });
  });
});

async function until(cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
