// The app side of provisioning on real Debian 12 hosts: the same router calls the UI makes, the
// scripts uploaded and run over the pooled SSH connection, results parsed into job steps.
import { afterAll, describe, expect, it } from 'vitest';
import type { JobSummary } from '../../../src-main/api/contract';
import { startApp } from '../../ssh/harness/app';
import type { TestApp } from '../../ssh/harness/app';
import { stopAll } from '../harness/index.js';
import type { Host } from '../harness/index.js';
import { addTrustedServer } from '../../support/trusted-server';
import { withFreshHosts } from '../provision/fresh-hosts';

afterAll(stopAll);

const MODULES = ['firewall', 'caddy', 'mariadb'] as const;

async function addHost(app: TestApp, host: Host): Promise<string> {
  const call = (n: string, i: unknown) => app.call(n as never, i as never);
  const spec = { name: host.name, host: host.address, port: 22, username: 'root' };
  return (await addTrustedServer(call, { ...spec, privateKey: host.ssh.privateKey.toString('utf8') }))
    .serverId;
}

async function provision(app: TestApp, serverId: string, check = false): Promise<JobSummary> {
  const { jobId } = await app.call('provision.run', { serverId, modules: [...MODULES], check });
  return app.hd.jobs.wait(jobId);
}

async function withApp<T>(fn: (app: TestApp) => Promise<T>): Promise<T> {
  const app = await startApp();
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

describe('provisioning from the app', () => {
  it('provisions a fresh host, then a second run and a dry run change nothing', async () => {
    await withFreshHosts(1, ([host]) =>
      withApp(async (app) => {
        const serverId = await addHost(app, host!);
        const first = await provision(app, serverId);
        expect(first.state, first.error ?? '').toBe('succeeded');
        expect(first.counts.changed).toBeGreaterThan(0);
        expect(first.counts.failed).toBe(0);
        const detail = await app.call('jobs.get', { id: first.id });
        expect(detail.steps[0]).toMatchObject({ name: expect.stringContaining('Scripts'), state: 'changed' });
        expect(detail.steps.some((s) => s.name.startsWith('caddy: '))).toBe(true);

        const status = await app.call('provision.status', { serverId });
        for (const m of MODULES) {
          expect(
            status.find((s) => s.name === m),
            m,
          ).toMatchObject({ installed: true, enabled: true, active: true, drift: [] });
        }

        const second = await provision(app, serverId);
        expect(second.state).toBe('succeeded');
        expect(second.counts.changed).toBe(0);
        const secondSteps = (await app.call('jobs.get', { id: second.id })).steps;
        expect(secondSteps[0]).toMatchObject({ state: 'ok', detail: 'already uploaded and intact' });

        const dry = await provision(app, serverId, true);
        expect(dry.state).toBe('succeeded');
        expect(dry.counts.changed).toBe(0);

        // The admin password went to the vault and nowhere else in the job's log.
        const secret = (await app.call('vault.secrets.list', {})).find((s) => s.kind === 'db-credential');
        expect(secret?.label).toContain('hostdeck_admin');
        const password = app.hd.vault.use(secret!.id, 'db-credential').password;
        const log = await app.call('jobs.log', { id: first.id, limit: 10_000 });
        expect(log.map((l) => l.text).join('\n')).not.toContain(password);

        // The secret belongs to the server by id: renamed, the server keeps it, and a job run again
        // from its stored command (the same modules) finds the same password and changes nothing.
        await app.call('servers.update', { id: serverId, name: `${host!.name}-renamed` });
        expect(second.rerunnable).toBe(true);
        const { jobId: againId } = await app.call('jobs.rerun', { id: second.id });
        const again = await app.hd.jobs.wait(againId);
        expect(again, again.error ?? '').toMatchObject({ state: 'succeeded', kind: 'provision.run' });
        expect(again.counts.changed).toBe(0);
        const admins = (await app.call('vault.secrets.list', {})).filter((s) =>
          s.label.includes('hostdeck_admin'),
        );
        expect(admins.map((s) => s.id)).toEqual([secret!.id]);
        expect(await app.fail('vault.secrets.remove', { id: secret!.id })).toMatchObject({
          code: 'CONFLICT',
          // The label names the admin user, which the redactor blanks like every vault value.
          message: app.hd.redactor.redact(
            `The secret "${secret!.label}" is still in use by server ${host!.name}-renamed (its MariaDB admin password).`,
          ),
        });
      }),
    );
  });

  // Cut points are counts of finished steps, so each cut lands inside the run (upload, firewall,
  // caddy's package install, mariadb), whatever the machine's speed.
  for (const seed of [1, 5, 12]) {
    it(`survives or fails clearly when the SSH connection is cut after step ${seed}; a re-run converges`, async () => {
      await withFreshHosts(1, ([host]) =>
        withApp(async (app) => {
          const serverId = await addHost(app, host!);
          const { jobId } = await app.call('provision.run', {
            serverId,
            modules: [...MODULES],
            check: false,
          });
          let cut = false;
          const stop = app.hd.events.listen((name, payload) => {
            if (name !== 'jobs.updated' || cut) return;
            const { job, steps } = payload as { job: JobSummary; steps: { state: string }[] };
            if (job.id === jobId && steps.filter((s) => s.state !== 'running').length >= seed) {
              cut = true;
              app.hd.pool.close(serverId);
            }
          });
          const cutRun = await app.hd.jobs.wait(jobId);
          stop();
          expect(cut).toBe(true);
          if (cutRun.state === 'succeeded') {
            // The cut fell between two commands: the pool reconnected and the run carried on.
            // (this app's pool connects once per run otherwise; a second connect is the reconnect)
            expect(app.hd.pool.connectCount(serverId)).toBeGreaterThanOrEqual(2);
          } else {
            expect(cutRun.state).toBe('failed');
            expect(cutRun.error).toMatch(/The SSH connection dropped while the command was running/);
          }

          const rerun = await provision(app, serverId);
          expect(rerun.state, rerun.error ?? '').toBe('succeeded');
          const converged = await provision(app, serverId);
          expect(converged.counts.changed).toBe(0);
          const status = await app.call('provision.status', { serverId });
          for (const m of MODULES)
            expect(status.find((s) => s.name === m)).toMatchObject({ active: true, drift: [] });
        }),
      );
    });
  }
});
