/**
 * THE contract: every command and event the renderer, CLI and test bridge can reach.
 * The main router, the preload allow-list, the renderer client, the test bridge and the CLI
 * are all derived from this object. A name that is not here is unreachable.
 *
 * Each capability declares its commands (with their traits: audited, passive, open while locked)
 * and events in its own slice file next to this one; this file only spreads the slices.
 */
import type { z } from 'zod';
import { appCommands } from './app';
import { backupsCommands } from './backups';
import { cronCommands } from './cron';
import type { CommandSpec, EventSpec } from './define';
import type { Result } from './errors';
import { jobsCommands, jobsEvents } from './jobs';
import { logsCommands, logsEvents } from './logs';
import { monitorCommands, monitorEvents } from './monitor';
import { provisionCommands } from './provision';
import { serversCommands, serversEvents } from './servers';
import { sitesCommands, sitesEvents } from './sites';
import { terminalCommands, terminalEvents } from './terminal';
import { vaultCommands, vaultEvents } from './vault';

export const contract = {
  commands: {
    ...appCommands,
    ...jobsCommands,
    ...serversCommands,
    ...provisionCommands,
    ...sitesCommands,
    ...backupsCommands,
    ...cronCommands,
    ...logsCommands,
    ...monitorCommands,
    ...terminalCommands,
    ...vaultCommands,
  },
  events: {
    ...jobsEvents,
    ...serversEvents,
    ...sitesEvents,
    ...logsEvents,
    ...monitorEvents,
    ...terminalEvents,
    ...vaultEvents,
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
export * from './vault';
export * from './servers';
export * from './terminal';
export * from './provision';
export * from './logs';
export * from './monitor';
export * from './sites';
export * from './backups';
export * from './cron';
export type { CommandSpec, CommandTraits, EventSpec } from './define';
