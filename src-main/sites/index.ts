// The sites capability: tenants and their sites on servers (create, change, deploy, roll back,
// suspend, delete), each change a job that runs the site module on the host.
import type { sitesCommands } from '@contract';
import type { Capability, CapabilityBase, SliceNames } from '../base/capability';
import type { Database } from '../infra/store/database';
import type { JobStarter } from '../jobs';
import type { ScriptRunner } from '../remote/runner';
import type { ServerService } from '../servers';
import type { VaultService } from '../vault';
import { SiteRepository } from './repository';
import { SiteService } from './service';
import type { SiteDeps } from './service';

export type { SiteService } from './service';

export interface SitesDeps extends CapabilityBase {
  db: Database;
  servers: Pick<ServerService, 'get'>;
  runner: ScriptRunner;
  jobs: JobStarter;
  vault: Pick<VaultService, 'add' | 'generateSshKey' | 'info' | 'redact' | 'remove' | 'use'>;
  finalBackup: SiteDeps['finalBackup'];
}

export function createSites(d: SitesDeps): Capability<SliceNames<typeof sitesCommands>, SiteService> {
  const sites = new SiteService({
    repo: new SiteRepository(d.db),
    servers: d.servers,
    runner: d.runner,
    jobs: d.jobs,
    vault: d.vault,
    events: d.events,
    references: d.references,
    finalBackup: d.finalBackup,
  });
  d.references.declare('secret', (secretId) =>
    sites
      .list()
      .flatMap((site) => [
        ...(site.dbSecretId === secretId ? [`site ${site.domain} (its database password)`] : []),
        ...(site.adminSecretId === secretId ? [`site ${site.domain} (its WordPress admin password)`] : []),
        ...(site.deployKeySecretId === secretId ? [`site ${site.domain} (its deploy key)`] : []),
      ]),
  );
  d.references.declare('server', (serverId) =>
    sites
      .list()
      .filter((site) => site.serverId === serverId)
      .map((site) => `site ${site.domain}`),
  );
  d.references.declare('tenant', (tenantId) =>
    sites
      .list()
      .filter((site) => site.tenantId === tenantId)
      .map((site) => `site ${site.domain}`),
  );

  return {
    service: sites,
    handlers: {
      'tenants.list': () => sites.tenants(),
      'tenants.create': (input, ctx) => sites.createTenant(input, ctx),
      'tenants.remove': (input, ctx) => {
        sites.removeTenant(input.tenantId, ctx);
        return { removed: true as const };
      },
      'sites.list': () => sites.list(),
      'sites.get': (input) => sites.get(input.siteId),
      'sites.create': (input, ctx) => sites.create(input, ctx),
      'sites.update': (input, ctx) => sites.update(input, ctx),
      'sites.suspend': (input, ctx) => sites.suspend(input.siteId, ctx),
      'sites.resume': (input, ctx) => sites.resume(input.siteId, ctx),
      'sites.delete': (input, ctx) => sites.delete(input.siteId, input.backup, ctx, input.forgetOnly),
      'sites.refresh': (input) => sites.refresh(input.siteId),
      'sites.deployKey': (input, ctx) => sites.deployKey(input.siteId, ctx),
      'sites.deploy': (input, ctx) => sites.deploy(input, ctx),
      'sites.rollback': (input, ctx) => sites.rollback(input, ctx),
    },
  };
}
