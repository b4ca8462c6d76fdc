import { z } from 'zod';
import { command } from './define';
import { serverId } from './servers';
import { siteRef } from './sites';

/** One run of a scheduled job, from the host's ledger (systemd's account of it) and the journal. */
export interface CronRun {
  /** systemd's invocation id of the run. */
  id: string;
  startedAt: string | null;
  /** null while it runs. */
  endedAt: string | null;
  /** systemd's result: success, exit-code, timeout, signal, oom-kill, …; null while it runs. */
  result: string | null;
  /** The exit status (a number) or the signal's name; null while it runs. */
  exitStatus: string | null;
  /** null while it runs. */
  ok: boolean | null;
  /** The end of what it printed (the newest few runs only), or null. */
  output: string | null;
}

export interface CronJob {
  name: string;
  /** A systemd calendar expression (systemd.time(7)). */
  schedule: string;
  command: string;
  timeoutSeconds: number;
  delaySeconds: number;
  cpuPercent: number;
  memoryMb: number;
  paused: boolean;
  /** A run is going now. */
  running: boolean;
  /** When the timer elapses next, and when it last did (systemd's own), or null. */
  nextAt: string | null;
  lastTriggerAt: string | null;
  /** Newest first (the host keeps the last 200, lists the last 20). */
  runs: CronRun[];
  /** What needs a look, in one sentence (the last run failed, a run was missed), or null. */
  problem: string | null;
}

export interface SiteCron {
  siteId: string;
  /** The server's time zone: the schedules are read in it. */
  timezone: string;
  jobs: CronJob[];
}

export interface CronPreview {
  timezone: string;
  /** The expression as systemd reads it. */
  normalized: string;
  /** The next five times it elapses, as systemd prints them (in the server's time zone). */
  next: string[];
}

export const cronJobName = z
  .string()
  .trim()
  .regex(
    /^[a-z]([a-z0-9-]{0,22}[a-z0-9])?$/,
    '1-24 characters of a-z 0-9 - (starting with a letter, not ending with -)',
  )
  .refine((v) => !v.includes('--'), "'--' is not allowed in a name");

export const cronSchedule = z
  .string()
  .trim()
  .min(1, 'required')
  .max(100, 'at most 100 characters')
  .regex(
    /^[A-Za-z0-9*:.,/~ -]+$/,
    'a systemd calendar expression like minutely, *:0/5, hourly or Mon..Fri 02:30 (letters, digits, spaces and * : . , / ~ -)',
  );

export const cronCommand = z
  .string()
  .trim()
  .min(1, 'required')
  .max(1000, 'at most 1000 characters')
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'one line, without control characters');

export const cronSet = siteRef
  .extend({
    name: cronJobName,
    schedule: cronSchedule,
    /** Run by sh as the site's tenant, in the site's current release. */
    command: cronCommand,
    timeoutSeconds: z.number().int().min(1).max(86_400).default(3600),
    delaySeconds: z.number().int().min(0).max(3600).default(0),
    cpuPercent: z.number().int().min(1).max(400).default(100),
    memoryMb: z.number().int().min(16).max(65_536).default(512),
  })
  .strict();

export const cronRef = siteRef.extend({ name: cronJobName }).strict();
export const cronPreview = z.object({ serverId, schedule: cronSchedule }).strict();

export const cronCommands = {
  'cron.list': command<SiteCron>()(
    siteRef,
    "A site's scheduled jobs with their next run and their last runs (start, duration, result, the end of their output).",
    { passive: true },
  ),
  'cron.set': command<{ jobId: string }>()(
    cronSet,
    "Add a scheduled job to a site, or change one (a systemd timer on the host; it runs as the site's tenant in the site's sandbox), as a job.",
    { audit: 'cron.set' },
  ),
  'cron.remove': command<{ jobId: string }>()(
    cronRef,
    "Remove a site's scheduled job (its timer, its unit, its ledger), as a job.",
    { audit: 'cron.remove' },
  ),
  'cron.pause': command<{ jobId: string }>()(
    cronRef,
    'Pause a scheduled job: no run starts until it is resumed (a run going on finishes), as a job.',
    { audit: 'cron.pause' },
  ),
  'cron.resume': command<{ jobId: string }>()(cronRef, 'Resume a paused scheduled job, as a job.', {
    audit: 'cron.resume',
  }),
  'cron.run': command<{ jobId: string }>()(
    cronRef,
    'Start a run of a scheduled job now (not a second one while one is going), as a job.',
    { audit: 'cron.run' },
  ),
  'cron.preview': command<CronPreview>()(
    cronPreview,
    "The next five times a calendar expression elapses on a server, in its time zone (systemd's own reading of it).",
    { passive: true },
  ),
};
