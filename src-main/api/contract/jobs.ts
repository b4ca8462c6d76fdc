import { z } from 'zod';

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
