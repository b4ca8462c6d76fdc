import { z } from 'zod';
import { command, event } from './define';

export const logLevels = ['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface LogEntry {
  /** Epoch milliseconds. */
  time: number;
  unit: string;
  level: LogLevel;
  message: string;
  /** Set for HTTP access lines (Caddy's JSON access log). */
  http?: { status: number; method: string; host: string; path: string; durationMs: number };
}

export interface LogBatch {
  streamId: string;
  entries: LogEntry[];
}

export interface LogStreamEnded {
  streamId: string;
  message: string;
}

/** A systemd unit name: letters, digits, @ . _ - and a unit suffix. */
export const unitName = z
  .string()
  .regex(/^[A-Za-z0-9@._-]{1,120}\.(service|socket|timer)$/, 'a systemd unit such as caddy.service');

export const logsFollow = z
  .object({
    serverId: z.string().regex(/^[0-9a-f-]{36}$/, 'choose a server'),
    units: z.array(unitName).min(1).max(16),
    /** How much history to load first. */
    backlog: z.number().int().min(0).max(100_000).default(1000),
  })
  .strict();
export const logsStop = z.object({ streamId: z.string().regex(/^[0-9a-f-]{36}$/) }).strict();

/** The logs slice of the contract: its commands (with their traits) and events. */
export const logsCommands = {
  'logs.follow': command<{ streamId: string }>()(
    logsFollow,
    "Follow systemd units' journal on a server, live.",
  ),
  'logs.stop': command<{ done: true }>()(logsStop, 'Stop following a log stream.'),
} as const;

export const logsEvents = {
  'logs.entries': event<LogBatch>('Parsed log entries of a followed stream, in order.'),
  'logs.ended': event<LogStreamEnded>('A log stream ended (stopped, or the connection dropped).'),
} as const;
