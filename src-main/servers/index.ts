// The servers capability: the inventory, host keys, facts, the app key on a server, and the SSH pool
// every other capability reaches a server through.
import type { serversCommands } from '@contract';
import type { Capability, CapabilityBase, SliceNames } from '../base/capability';
import { SshPool } from '../infra/ssh/pool';
import type { PoolOptions } from '../infra/ssh/pool';
import type { Database } from '../infra/store/database';
import { ServerRepository } from './repository';
import { ServerService } from './service';
import type { ServerVault } from './service';

export type { ServerService } from './service';
export type { SshPool } from '../infra/ssh/pool';

export interface ServersDeps extends CapabilityBase {
  db: Database;
  vault: ServerVault;
  ssh?: PoolOptions;
  env?: NodeJS.ProcessEnv;
}

export interface Servers extends Capability<SliceNames<typeof serversCommands>, ServerService> {
  readonly pool: SshPool;
}

export function createServers(d: ServersDeps): Servers {
  // The pool asks the service how to reach a server; the service uses the pool to run commands.
  const pool: SshPool = new SshPool((id) => service.resolveTarget(id), d.ssh);
  const repo = new ServerRepository(d.db);
  const service: ServerService = new ServerService({
    repo,
    vault: d.vault,
    pool,
    references: d.references,
    events: d.events,
    ...(d.env ? { env: d.env } : {}),
    ...(d.ssh?.readyTimeoutMs ? { connectTimeoutMs: d.ssh.readyTimeoutMs } : {}),
  });
  d.lifetime.add(() => pool.closeAll());
  d.onLock(() => pool.revoke());
  d.references.declare('secret', (secretId) =>
    service
      .list()
      .filter((s) => s.auth.kind !== 'agent' && s.auth.secretId === secretId)
      .map((s) => `server ${s.name} (its sign-in)`),
  );
  d.references.declare('server', (serverId) =>
    repo.usersOfJump(serverId).map((name) => `server ${name} (its jump host)`),
  );

  return {
    service,
    pool,
    handlers: {
      'servers.list': () => service.list(),
      'servers.get': (input) => service.get(input.id),
      'servers.add': (input, ctx) => service.add(input, ctx),
      'servers.update': ({ id, ...patch }, ctx) => service.update(id, patch, ctx),
      'servers.remove': (input, ctx) => {
        service.remove(input.id, ctx);
        return { removed: true as const };
      },
      'servers.probeHostKey': (input) => service.probeHostKey(input.id),
      'servers.trustHostKey': (input, ctx) => service.trustHostKey(input.id, input.fingerprint, ctx),
      'servers.replaceHostKey': (input, ctx) => service.replaceHostKey(input.id, input.fingerprint, ctx),
      'servers.installKey': (input, ctx) => service.installKey(input.id, input.password, input.keyId, ctx),
      'servers.refresh': (input) => service.refresh(input.ids),
    },
  };
}
