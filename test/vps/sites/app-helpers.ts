// Shared by the vps tests that drive the app (router calls, jobs) against a host from the sites layer.
import { beforeAll } from 'vitest';
import type { InputOf, JobSummary, SiteInfo } from '../../../src-main/api/contract';
import type { HostdeckOptions } from '../../../src-main/core/hostdeck';
import { startApp } from '../../ssh/harness/app';
import type { TestApp } from '../../ssh/harness/app';
import { addTestHost } from '../../support/trusted-server';
import type { Host } from '../harness/index.js';
import { withFreshHosts } from '../provision/fresh-hosts.js';
import { sitesLayer } from './sites-layer.js';

let layer = '';
beforeAll(async () => {
  layer = await sitesLayer();
}, 900_000);

export function withAppOnHost(
  fn: (app: TestApp, host: Host, serverId: string) => Promise<void>,
  appOpts: Partial<HostdeckOptions> = {},
) {
  return withAppOnHosts(1, (app, [on]) => fn(app, on!.host, on!.serverId), appOpts);
}

/** N hosts of the sites layer, each added to one app (host key confirmed, key login). */
export async function withAppOnHosts(
  n: number,
  fn: (app: TestApp, hosts: { host: Host; serverId: string }[]) => Promise<void>,
  appOpts: Partial<HostdeckOptions> = {},
) {
  await withFreshHosts(
    n,
    async (hosts) => {
      const app = await startApp(appOpts);
      try {
        const call = (name: string, i: unknown) => app.call(name as never, i as never);
        const added = [];
        for (const host of hosts) added.push({ host, serverId: (await addTestHost(call, host)).serverId });
        await fn(app, added);
      } finally {
        await app.close();
      }
    },
    { layers: [layer] },
  );
}

export async function done(app: TestApp, started: Promise<{ jobId: string }>): Promise<JobSummary> {
  const job = await app.hd.jobs.wait((await started).jobId);
  if (job.state !== 'succeeded') {
    const log = await app.call('jobs.log', { id: job.id, afterSeq: 0 });
    throw new Error(
      `job ${job.title} ${job.state}: ${job.error}\n${log
        .map((l) => l.text)
        .join('\n')
        .slice(-3000)}`,
    );
  }
  return job;
}

/** A tenant and a site of it, created through the app; resolves once the create job succeeded. */
export async function newSite(
  app: TestApp,
  serverId: string,
  tenantSlug: string,
  input: Partial<InputOf<'sites.create'>> & { slug: string; domain: string },
): Promise<SiteInfo> {
  const tenant = await app.call('tenants.create', { name: tenantSlug, slug: tenantSlug });
  const { jobId, site } = await app.call('sites.create', {
    serverId,
    tenantId: tenant.id,
    tls: 'off',
    ...input,
  });
  await done(app, Promise.resolve({ jobId }));
  return site;
}
