/**
 * THE contract: every command and event the renderer, CLI and test bridge can reach.
 * The main router, the preload allow-list, the renderer client, the test bridge and the CLI
 * are all derived from this object. A name that is not here is unreachable.
 *
 * Adding a capability: declare its commands here, implement them in one service
 * (src-main/<capability>/), wire the handler in src-main/core/handlers.ts, use it from a view.
 */
import { z } from 'zod';
import { auditList, settingsUpdate } from './app';
import type { AppInfo, AuditEntry, DiagnosticsStarted, Settings } from './app';
import { command, event } from './define';
import type { Result } from './errors';
import type { CommandSpec, EventSpec } from './define';
import { jobId, jobsList, jobsLog } from './jobs';
import type { JobDetail, JobLogLine, JobSummary, JobUpdate } from './jobs';

const empty = z.object({}).strict();

export const contract = {
  commands: {
    'app.info': command<AppInfo>()(empty, 'Version, data directory and schema version of this install.'),
    'settings.get': command<Settings>()(empty, 'Read the app settings.'),
    'settings.update': command<Settings>()(settingsUpdate, 'Change app settings (audited).'),
    'audit.list': command<AuditEntry[]>()(auditList, 'Audit trail, newest first.'),
    'jobs.list': command<JobSummary[]>()(jobsList, 'Jobs, newest first.'),
    'jobs.get': command<JobDetail>()(z.object({ id: jobId }).strict(), 'One job with its steps.'),
    'jobs.log': command<JobLogLine[]>()(jobsLog, "A job's stored log, after a sequence number."),
    'jobs.cancel': command<JobSummary>()(
      z.object({ id: jobId }).strict(),
      'Ask a queued or running job to stop.',
    ),
    'diagnostics.run': command<DiagnosticsStarted>()(
      empty,
      'Check this install (data directory, database, key derivation speed, OpenSSH) as a job.',
    ),
  },
  events: {
    'jobs.updated': event<JobUpdate>('A job changed state, progress or steps.'),
    'jobs.log': event<JobLogLine[]>('New log lines of a running job, in order.'),
  },
} as const satisfies {
  commands: Record<string, CommandSpec>;
  events: Record<string, EventSpec>;
};

export type Contract = typeof contract;
export type CommandName = keyof Contract['commands'];
export type EventName = keyof Contract['events'];
export type InputOf<K extends CommandName> = z.input<Contract['commands'][K]['input']>;
export type ParsedInputOf<K extends CommandName> = z.output<Contract['commands'][K]['input']>;
export type OutputOf<K extends CommandName> = NonNullable<Contract['commands'][K]['output']>;
export type PayloadOf<E extends EventName> = NonNullable<Contract['events'][E]['payload']>;

export const commandNames = Object.keys(contract.commands) as CommandName[];
export const eventNames = Object.keys(contract.events) as EventName[];

export const isCommandName = (name: unknown): name is CommandName =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract.commands, name);
export const isEventName = (name: unknown): name is EventName =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract.events, name);

/** IPC channel names, derived (the preload and the shell both use these). */
export const commandChannel = (name: CommandName) => `hd:cmd:${name}`;
export const eventChannel = (name: EventName) => `hd:evt:${name}`;

/** What the preload exposes as window.hostdeck (and the e2e bridge shim imitates). */
export interface HostdeckBridge {
  call(command: string, input: unknown): Promise<Result<unknown>>;
  subscribe(event: string, listener: (payload: unknown) => void): () => void;
}

export * from './app';
export * from './errors';
export * from './jobs';
export type { CommandSpec, EventSpec } from './define';
