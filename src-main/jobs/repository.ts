import type { JobDetail, JobLogLine, JobState, JobStep, JobSummary, StepState } from '@contract';
import type { Database } from '../infra/store/database';

/** A jobs row: the summary's own fields under their names, the rest as SQLite names them. */
type JobRow = Pick<JobSummary, 'id' | 'kind' | 'title' | 'target' | 'state' | 'progress' | 'error'> & {
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  origin_command: string | null;
  ok: number;
  changed: number;
  failed: number;
};

interface StepRow {
  seq: number;
  name: string;
  state: StepState;
  detail: string | null;
  started_at: string;
  ended_at: string | null;
}

const summarySelect = `
  SELECT j.*,
    (SELECT COUNT(*) FROM job_steps s WHERE s.job_id = j.id AND s.state = 'ok') AS ok,
    (SELECT COUNT(*) FROM job_steps s WHERE s.job_id = j.id AND s.state = 'changed') AS changed,
    (SELECT COUNT(*) FROM job_steps s WHERE s.job_id = j.id AND s.state = 'failed') AS failed
  FROM jobs j`;

const toSummary = (r: JobRow): JobSummary => ({
  id: r.id,
  kind: r.kind,
  title: r.title,
  target: r.target,
  state: r.state,
  progress: r.progress,
  counts: { ok: r.ok, changed: r.changed, failed: r.failed },
  error: r.error,
  createdAt: r.created_at,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  rerunnable: r.origin_command !== null,
});

const toStep = (r: StepRow): JobStep => ({
  seq: r.seq,
  name: r.name,
  state: r.state,
  detail: r.detail,
  startedAt: r.started_at,
  endedAt: r.ended_at,
});

/** Persistence for jobs, their steps and their logs. Knows SQL, nothing about running jobs. */
export class JobRepository {
  constructor(private readonly db: Database) {}

  insert(job: {
    id: string;
    kind: string;
    title: string;
    target: string | null;
    createdAt: string;
    origin: { command: string; input: unknown } | null;
  }): void {
    const { origin, ...row } = job;
    this.db
      .prepare(
        `INSERT INTO jobs (id, kind, title, target, state, progress, created_at, origin_command, origin_input)
         VALUES (@id, @kind, @title, @target, 'queued', 0, @createdAt, @command, @input)`,
      )
      .run({ ...row, command: origin?.command ?? null, input: origin ? JSON.stringify(origin.input) : null });
  }

  /** The command that started a job and its input, or null (a job no command started). */
  origin(id: string): { command: string; input: unknown } | null {
    const row = this.db.prepare(`SELECT origin_command, origin_input FROM jobs WHERE id = ?`).get(id) as
      { origin_command: string | null; origin_input: string | null } | undefined;
    if (!row?.origin_command) return null;
    return { command: row.origin_command, input: JSON.parse(row.origin_input ?? '{}') as unknown };
  }

  setState(id: string, state: JobState, at: string, error: string | null = null): void {
    if (state === 'running') {
      this.db.prepare(`UPDATE jobs SET state = ?, started_at = ? WHERE id = ?`).run(state, at, id);
    } else if (state === 'queued') {
      this.db.prepare(`UPDATE jobs SET state = ? WHERE id = ?`).run(state, id);
    } else {
      this.db
        .prepare(`UPDATE jobs SET state = ?, ended_at = ?, error = ? WHERE id = ?`)
        .run(state, at, error, id);
    }
  }

  setProgress(id: string, progress: number): void {
    this.db.prepare(`UPDATE jobs SET progress = ? WHERE id = ?`).run(progress, id);
  }

  upsertStep(jobId: string, step: JobStep): void {
    this.db
      .prepare(
        `INSERT INTO job_steps (job_id, seq, name, state, detail, started_at, ended_at)
         VALUES (@jobId, @seq, @name, @state, @detail, @startedAt, @endedAt)
         ON CONFLICT (job_id, seq) DO UPDATE SET state = excluded.state, detail = excluded.detail,
           ended_at = excluded.ended_at`,
      )
      .run({ jobId, ...step });
  }

  appendLog(lines: JobLogLine[]): void {
    const insert = this.db.prepare(
      `INSERT INTO job_log (job_id, seq, at, stream, text) VALUES (@jobId, @seq, @at, @stream, @text)`,
    );
    this.db.transaction((batch: JobLogLine[]) => {
      for (const line of batch) insert.run(line);
    })(lines);
  }

  lastLogSeq(jobId: string): number {
    const row = this.db.prepare(`SELECT MAX(seq) AS s FROM job_log WHERE job_id = ?`).get(jobId) as {
      s: number | null;
    };
    return row.s ?? 0;
  }

  get(id: string): JobSummary | undefined {
    const row = this.db.prepare(`${summarySelect} WHERE j.id = ?`).get(id) as JobRow | undefined;
    return row && toSummary(row);
  }

  detail(id: string): JobDetail | undefined {
    const summary = this.get(id);
    return summary && { ...summary, steps: this.steps(id) };
  }

  steps(jobId: string): JobStep[] {
    return (
      this.db.prepare(`SELECT * FROM job_steps WHERE job_id = ? ORDER BY seq`).all(jobId) as StepRow[]
    ).map(toStep);
  }

  list(opts: { state?: JobState; limit: number }): JobSummary[] {
    const rows = opts.state
      ? this.db
          .prepare(`${summarySelect} WHERE j.state = ? ORDER BY j.created_at DESC LIMIT ?`)
          .all(opts.state, opts.limit)
      : this.db.prepare(`${summarySelect} ORDER BY j.created_at DESC LIMIT ?`).all(opts.limit);
    return (rows as JobRow[]).map(toSummary);
  }

  log(jobId: string, afterSeq: number, limit: number): JobLogLine[] {
    return this.db
      .prepare(
        `SELECT job_id AS jobId, seq, at, stream, text FROM job_log
         WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
      )
      .all(jobId, afterSeq, limit) as JobLogLine[];
  }

  /** Jobs left queued or running by a previous process that stopped. */
  unfinished(): string[] {
    return (
      this.db.prepare(`SELECT id FROM jobs WHERE state IN ('queued', 'running')`).all() as { id: string }[]
    ).map((r) => r.id);
  }

  failRunningSteps(jobId: string, at: string, detail: string): void {
    this.db
      .prepare(
        `UPDATE job_steps SET state = 'failed', detail = ?, ended_at = ? WHERE job_id = ? AND state = 'running'`,
      )
      .run(detail, at, jobId);
  }
}
