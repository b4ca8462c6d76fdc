// The terminal capability: SSH shells with a PTY, streamed to the window with flow control.
import type { terminalCommands } from '@contract';
import { AppError } from '../base/app-error';
import type { Capability, CapabilityBase, SliceNames } from '../base/capability';
import type { SshPool } from '../infra/ssh/pool';
import { TerminalService } from './service';
import type { FlowControl } from './service';

export type { FlowControl, TerminalService } from './service';

export interface TerminalDeps extends CapabilityBase {
  pool: Pick<SshPool, 'shell'>;
  flow?: Partial<FlowControl>;
  /** A shell as a site's tenant user in its directory: the site's server and the command to run. */
  siteShell(siteId: string): { serverId: string; command: string };
}

export function createTerminal(
  d: TerminalDeps,
): Capability<SliceNames<typeof terminalCommands>, TerminalService> {
  const terminal = new TerminalService(d.pool, d.events, d.flow);
  d.lifetime.add(() => terminal.closeAll());
  d.onLock(() => terminal.closeAll('Closed: the vault was locked.'));
  return {
    service: terminal,
    handlers: {
      'terminal.open': async (input, ctx) => {
        const asSite = input.siteId ? d.siteShell(input.siteId) : null;
        if (asSite && asSite.serverId !== input.serverId) {
          throw new AppError('VALIDATION', 'That site is on another server.', { field: 'siteId' });
        }
        const opened = await terminal.open(input.serverId, input.cols, input.rows, asSite?.command);
        ctx.audit({
          target: input.serverId,
          detail: { session: opened.sessionId, ...(input.siteId ? { site: input.siteId } : {}) },
        });
        return opened;
      },
      'terminal.write': (input) => {
        terminal.write(input.sessionId, input.data);
        return { done: true as const };
      },
      'terminal.resize': (input) => {
        terminal.resize(input.sessionId, input.cols, input.rows);
        return { done: true as const };
      },
      'terminal.ack': (input) => {
        terminal.ack(input.sessionId, input.units);
        return { done: true as const };
      },
      'terminal.close': (input) => {
        terminal.close(input.sessionId);
        return { done: true as const };
      },
    },
  };
}
