import { z } from 'zod';
import { command, event } from './define';

export const jobStates = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export type JobState = (typeof jobStates)[number];
export const finalJobStates: readonly JobState[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

export const stepStates = ['running', 'ok', 'changed', 'failed', 'skipped'] as const;
export type StepState = (typeof stepStates)[number];

export interface JobStep {
  seq: number;
  name: string;
  state: StepState;
  detail: string | null;
  startedAt: string;
  endedAt: string | null;
}

export interface JobSummary {
  id: string;
  kind: string;
  title: string;
  target: string | null;
  state: JobState;
  /** 0..1 */
  progress: number;
  counts: { ok: number; changed: number; failed: number };
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** Started by a command Hostdeck kept (with its input): `jobs.rerun` runs it again. */
  rerunnable: boolean;
}

export interface JobDetail extends JobSummary {
  steps: JobStep[];
}

export interface JobLogLine {
  jobId: string;
  seq: number;
  at: string;
  stream: 'out' | 'err' | 'info';
  text: string;
}

export interface JobUpdate {
  job: JobSummary;
  steps: JobStep[];
}

export const jobId = z.string().regex(/^[0-9a-f-]{36}$/, 'expected a job id');

export const jobsList = z
  .object({
    state: z.enum(jobStates).optional(),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .strict();

export const jobsLog = z
  .object({
    id: jobId,
    afterSeq: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(10_000).default(2_000),
  })
  .strict();

/** The jobs slice of the contract: its commands (with their traits) and events. */
export const jobsCommands = {
  'jobs.rerun': command<{ jobId: string }>()(
    z.object({ id: jobId }).strict(),
    'Run an ended job again: the command that started it, with the same input, as a new job.',
    { audit: 'jobs.rerun' },
  ),
  'jobs.list': command<JobSummary[]>()(jobsList, 'Jobs, newest first.', { passive: true }),
  'jobs.get': command<JobDetail>()(z.object({ id: jobId }).strict(), 'One job with its steps.', {
    passive: true,
  }),
  'jobs.log': command<JobLogLine[]>()(jobsLog, "A job's stored log, after a sequence number.", {
    passive: true,
  }),
  'jobs.cancel': command<JobSummary>()(
    z.object({ id: jobId }).strict(),
    'Ask a queued or running job to stop.',
    { audit: 'jobs.cancel' },
  ),
} as const;

export const jobsEvents = {
  'jobs.updated': event<JobUpdate>('A job changed state, progress or steps.'),
  'jobs.log': event<JobLogLine[]>('New log lines of a running job, in order.'),
} as const;
