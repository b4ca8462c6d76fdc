// The logs capability: systemd journals followed live on a server, parsed in main, redacted.
import type { logsCommands } from '@contract';
import type { Capability, CapabilityBase, SliceNames } from '../base/capability';
import type { SshPool } from '../infra/ssh/pool';
import { LogService } from './service';

export type { LogService } from './service';

export interface LogsDeps extends CapabilityBase {
  pool: Pick<SshPool, 'stream'>;
  /** Blanks secrets this process knows in a journal line before it is shown. */
  redact: (text: string) => string;
}

export function createLogs(d: LogsDeps): Capability<SliceNames<typeof logsCommands>, LogService> {
  const logs = new LogService(d.pool, d.events, d.redact);
  d.lifetime.add(() => logs.stopAll());
  d.onLock(() => logs.stopAll());
  return {
    service: logs,
    handlers: {
      'logs.follow': (input) => logs.follow(input.serverId, input.units, input.backlog),
      'logs.stop': (input) => {
        logs.stop(input.streamId);
        return { done: true as const };
      },
    },
  };
}
