// The provision capability: server modules (caddy, mariadb, firewall, …) installed, acted on and
// read back, as jobs, through the remote layer's script runner.
import type { provisionCommands } from '@contract';
import type { Capability, CapabilityBase, SliceNames } from '../base/capability';
import type { OwnedSecrets } from '../infra/store/owned-secrets';
import type { JobStarter } from '../jobs';
import type { ScriptRunner } from '../remote/runner';
import type { ServerService } from '../servers';
import { ownedSecret, randomPassword } from '../vault';
import type { VaultService } from '../vault';
import { ProvisionService } from './service';

export type { ProvisionService } from './service';

export interface ProvisionDeps extends CapabilityBase {
  runner: ScriptRunner;
  jobs: JobStarter;
  servers: Pick<ServerService, 'get' | 'list'>;
  vault: Pick<VaultService, 'list' | 'use' | 'add'>;
  owned: OwnedSecrets;
  artifactsDir: string;
  /** The domains of a server's sites (the sites capability comes later in the root: late-bound). */
  sitesOn(serverId: string): string[];
}

export function createProvision(
  d: ProvisionDeps,
): Capability<SliceNames<typeof provisionCommands>, ProvisionService> {
  // A server's MariaDB admin credential; one made by an older version is found by its label, which
  // carries the server's id, and adopted.
  const mariadbAdmin = ownedSecret(d, {
    ownerKind: 'server',
    purpose: 'mariadb-admin',
    kind: 'db-credential',
    usedBy: (id) => {
      const server = d.servers.list().find((s) => s.id === id);
      return server ? `server ${server.name} (its MariaDB admin password)` : null;
    },
    make: (id) => ({
      label: `MariaDB hostdeck_admin on ${d.servers.get(id).name} (${id})`,
      payload: { kind: 'db-credential', username: 'hostdeck_admin', password: randomPassword() },
    }),
    legacy: (secret, id) =>
      secret.label.startsWith('MariaDB hostdeck_admin on ') && secret.label.endsWith(` (${id})`),
  });
  const provision = new ProvisionService({ ...d, mariadbAdmin });
  return {
    service: provision,
    handlers: {
      'provision.modules': () => provision.modules(),
      'provision.run': (input, ctx) => ({
        jobId: provision.run(input.serverId, input.modules, input.check, ctx).id,
      }),
      'provision.status': (input) => provision.status(input.serverId),
      'provision.action': (input, ctx) => ({
        jobId: provision.action(input.serverId, input.module, input.verb, ctx, input.confirm).id,
      }),
    },
  };
}
