// The provision capability: server modules (caddy, mariadb, firewall, …) installed, acted on and
// read back, as jobs, through the remote layer's script runner.
import type { provisionCommands } from '@contract';
import type { Capability, CapabilityBase, SliceNames } from '../base/capability';
import type { OwnedSecrets } from '../infra/store/owned-secrets';
import type { JobStarter } from '../jobs';
import type { ScriptRunner } from '../remote/runner';
import type { ServerService } from '../servers';
import type { VaultService } from '../vault';
import { MARIADB_ADMIN, ProvisionService } from './service';

export type { ProvisionService } from './service';

export interface ProvisionDeps extends CapabilityBase {
  runner: ScriptRunner;
  jobs: JobStarter;
  servers: Pick<ServerService, 'get' | 'list'>;
  vault: Pick<VaultService, 'list' | 'use' | 'add'>;
  owned: OwnedSecrets;
  artifactsDir: string;
}

export function createProvision(
  d: ProvisionDeps,
): Capability<SliceNames<typeof provisionCommands>, ProvisionService> {
  const provision = new ProvisionService(d);
  d.references.declare('secret', (secretId) =>
    d.owned.ownersOf('server', secretId).flatMap(({ ownerId, purpose }) => {
      const server = d.servers.list().find((s) => s.id === ownerId);
      return server && purpose === MARIADB_ADMIN
        ? [`server ${server.name} (its MariaDB admin password)`]
        : [];
    }),
  );
  return {
    service: provision,
    handlers: {
      'provision.modules': () => provision.modules(),
      'provision.run': (input, ctx) => ({
        jobId: provision.run(input.serverId, input.modules, input.check, ctx).id,
      }),
      'provision.status': (input) => provision.status(input.serverId),
      'provision.action': (input, ctx) => ({
        jobId: provision.action(input.serverId, input.module, input.verb, ctx).id,
      }),
    },
  };
}
