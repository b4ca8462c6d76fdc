import { randomUUID } from 'node:crypto';
import type { CallOrigin } from '../base/call';
import { finalJobStates } from '@contract';
import type { JobLogLine, JobState, JobStep, JobSummary, StepState } from '@contract';
import { AppError, notFound } from '../base/app-error';
import type { EventBus } from '../base/events';
import type { JobRepository } from './repository';

export interface JobSpec {
  kind: string;
  title: string;
  /** Jobs with the same target run one after another, never at once (e.g. one server). */
  target?: string | null;
  /** Planned number of steps; progress = finished steps / planned unless the runner sets it. */
  plannedSteps?: number;
  /** The command (and its validated input, never a secret) that runs this job again. */
  origin?: CallOrigin;
}

export interface StepHandle {
  finish(state: Exclude<StepState, 'running'>, detail?: string | null): void;
}

export interface JobContext {
  readonly jobId: string;
  readonly signal: AbortSignal;
  log(text: string, stream?: JobLogLine['stream']): void;
  /** Starts a step; finish it with ok / changed / failed / skipped. */
  beginStep(name: string): StepHandle;
  /** Runs fn as a step: its return value is the step's state (and detail); a throw marks it failed. */
  step(
    name: string,
    fn: () => Promise<{ state: 'ok' | 'changed' | 'skipped'; detail?: string }>,
  ): Promise<void>;
  setProgress(fraction: number): void;
  throwIfCancelled(): void;
}

export type JobRunner = (ctx: JobContext) => Promise<void>;

export interface JobServiceOptions {
  /** Applied to every log line and error before it is stored or emitted (the vault registers secrets). */
  redact?: (text: string) => string;
  now?: () => Date;
  logFlushMs?: number;
  /** Called once when a job ends (succeeded, failed, cancelled or interrupted by a quit). */
  onEnded?: (job: JobSummary) => void;
}

interface LiveJob {
  summary: JobSummary;
  steps: JobStep[];
  controller: AbortController;
  plannedSteps: number;
  pendingLog: JobLogLine[];
  logSeq: number;
  flushTimer: NodeJS.Timeout | null;
  progressTimer: NodeJS.Timeout | null;
  done: Promise<JobSummary>;
}

const MAX_LINE = 16_384;

/**
 * Runs all long work: persisted state, steps and full log; live `jobs.updated` / `jobs.log` events;
 * cancel; per-target serialisation. A job cut off by a stopped process is marked interrupted at the
 * next start-up (recoverInterrupted), with its log kept.
 */
export class JobService {
  private readonly live = new Map<string, LiveJob>();
  private stopping = false;
  private readonly targetTails = new Map<string, Promise<unknown>>();
  private readonly redact: (text: string) => string;
  private readonly now: () => Date;
  private readonly logFlushMs: number;
  private readonly onEnded: (job: JobSummary) => void;

  constructor(
    private readonly repo: JobRepository,
    private readonly events: EventBus,
    opts: JobServiceOptions = {},
  ) {
    this.redact = opts.redact ?? ((t) => t);
    this.now = opts.now ?? (() => new Date());
    this.logFlushMs = opts.logFlushMs ?? 50;
    this.onEnded = opts.onEnded ?? (() => undefined);
  }

  /** Call once at start-up, before any job starts. Returns the ids marked interrupted. */
  recoverInterrupted(): string[] {
    const ids = this.repo.unfinished();
    const at = this.stamp();
    for (const id of ids) {
      const seq = this.repo.lastLogSeq(id) + 1;
      this.repo.appendLog([
        {
          jobId: id,
          seq,
          at,
          stream: 'info',
          text: 'Hostdeck stopped while this job was running; marked interrupted.',
        },
      ]);
      this.repo.failRunningSteps(id, at, 'interrupted');
      this.repo.setState(
        id,
        'interrupted',
        at,
        'Hostdeck stopped while this job was running. Run it again: it converges.',
      );
    }
    return ids;
  }

  start(spec: JobSpec, runner: JobRunner): JobSummary {
    const id = randomUUID();
    const createdAt = this.stamp();
    const target = spec.target ?? null;
    const origin = spec.origin ?? null;
    this.repo.insert({ id, kind: spec.kind, title: spec.title, target, createdAt, origin });
    const summary = this.repo.get(id)!;
    const job: LiveJob = {
      summary,
      steps: [],
      controller: new AbortController(),
      plannedSteps: spec.plannedSteps ?? 0,
      pendingLog: [],
      logSeq: 0,
      flushTimer: null,
      progressTimer: null,
      done: Promise.resolve(summary),
    };
    this.live.set(id, job);
    this.emitUpdate(job);

    const previous = target ? (this.targetTails.get(target) ?? Promise.resolve()) : Promise.resolve();
    job.done = previous.catch(() => undefined).then(() => this.run(job, runner));
    if (target) {
      const tail = job.done.catch(() => undefined);
      this.targetTails.set(target, tail);
      void tail.then(() => {
        if (this.targetTails.get(target) === tail) this.targetTails.delete(target);
      });
    }
    return { ...summary };
  }

  /** Resolves with the final summary once the job ends (for tests, the CLI and benchmarks). */
  async wait(id: string): Promise<JobSummary> {
    const job = this.live.get(id);
    if (job) return job.done;
    const stored = this.repo.get(id);
    if (!stored) throw notFound('Job', id);
    return stored;
  }

  cancel(id: string): JobSummary {
    const job = this.live.get(id);
    if (!job) {
      const stored = this.repo.get(id);
      if (!stored) throw notFound('Job', id);
      throw new AppError('INVALID_STATE', `Job "${stored.title}" already ended (${stored.state}).`);
    }
    if (!job.controller.signal.aborted) {
      this.appendLog(job, 'Cancel requested.', 'info');
      job.controller.abort(new AppError('INVALID_STATE', 'Cancelled by the operator.'));
    }
    return { ...job.summary };
  }

  /** The command and input that started a job, to run it again; refused for a job still running. */
  origin(id: string): CallOrigin {
    const stored = this.repo.get(id);
    if (!stored) throw notFound('Job', id);
    if (this.live.has(id)) {
      throw new AppError('INVALID_STATE', `Job "${stored.title}" is still ${stored.state}.`, {
        hint: 'Wait for it to end (or cancel it), then run it again.',
      });
    }
    const origin = this.repo.origin(id);
    if (!origin) {
      throw new AppError('INVALID_STATE', `Job "${stored.title}" cannot be run again from here.`, {
        hint: 'Start it again from the place it was started.',
      });
    }
    return origin as CallOrigin;
  }

  get(id: string) {
    const detail = this.repo.detail(id);
    if (!detail) throw notFound('Job', id);
    return detail;
  }

  list(opts: { state?: JobState; limit: number }) {
    return this.repo.list(opts);
  }

  log(id: string, afterSeq: number, limit: number) {
    if (!this.repo.get(id)) throw notFound('Job', id);
    return this.repo.log(id, afterSeq, limit);
  }

  /**
   * App quit: stops running jobs, flushes their logs, and records them as interrupted (the operator
   * cancelled nothing; a re-run converges). Their final state is written by run().
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    const running = [...this.live.values()];
    for (const job of running) job.controller.abort(new AppError('INVALID_STATE', 'Hostdeck is quitting.'));
    await Promise.allSettled(running.map((j) => j.done));
  }

  private async run(job: LiveJob, runner: JobRunner): Promise<JobSummary> {
    const { id } = job.summary;
    if (job.controller.signal.aborted) return this.stopped(job, 'Cancelled before it started.');
    this.setState(job, 'running');
    const ctx = this.context(job);
    try {
      await runner(ctx);
      if (job.controller.signal.aborted) return this.stopped(job, 'Cancelled by the operator.');
      const failed = job.steps.some((s) => s.state === 'failed');
      return this.finish(job, failed ? 'failed' : 'succeeded', failed ? 'One or more steps failed.' : null);
    } catch (err) {
      if (job.controller.signal.aborted) return this.stopped(job, 'Cancelled by the operator.');
      const message = err instanceof Error ? err.message : String(err);
      this.appendLog(job, `Failed: ${message}`, 'err');
      return this.finish(job, 'failed', message);
    } finally {
      this.live.delete(id);
    }
  }

  private stopped(job: LiveJob, cancelMessage: string): JobSummary {
    if (this.stopping) {
      this.appendLog(job, 'Hostdeck quit while this job was running; marked interrupted.', 'info');
      return this.finish(
        job,
        'interrupted',
        'Hostdeck quit while this job was running. Run it again: it converges.',
      );
    }
    return this.finish(job, 'cancelled', cancelMessage);
  }

  private context(job: LiveJob): JobContext {
    const beginStep = (name: string): StepHandle => {
      const step: JobStep = {
        seq: job.steps.length + 1,
        name,
        state: 'running',
        detail: null,
        startedAt: this.stamp(),
        endedAt: null,
      };
      job.steps.push(step);
      this.repo.upsertStep(job.summary.id, step);
      this.emitUpdate(job);
      let finished = false;
      return {
        finish: (state, detail = null) => {
          if (finished) return;
          finished = true;
          step.state = state;
          step.detail = detail === null ? null : this.redact(detail);
          step.endedAt = this.stamp();
          this.repo.upsertStep(job.summary.id, step);
          this.recount(job);
          if (job.plannedSteps > 0) {
            const done = job.steps.filter((s) => s.state !== 'running').length;
            this.writeProgress(job, Math.min(1, done / job.plannedSteps));
          }
          this.emitUpdate(job);
        },
      };
    };
    return {
      jobId: job.summary.id,
      signal: job.controller.signal,
      log: (text, stream = 'out') => this.appendLog(job, text, stream),
      beginStep,
      step: async (name, fn) => {
        const handle = beginStep(name);
        try {
          const outcome = await fn();
          handle.finish(outcome.state, outcome.detail ?? null);
        } catch (err) {
          handle.finish('failed', err instanceof Error ? err.message : String(err));
          throw err;
        }
      },
      setProgress: (fraction) => this.scheduleProgress(job, fraction),
      throwIfCancelled: () => job.controller.signal.throwIfAborted(),
    };
  }

  private finish(job: LiveJob, state: JobState, error: string | null): JobSummary {
    this.flushLog(job);
    if (job.progressTimer) {
      // A progress change still waiting for its throttle is stored now, as announced.
      clearTimeout(job.progressTimer);
      job.progressTimer = null;
      this.repo.setProgress(job.summary.id, job.summary.progress);
    }
    const at = this.stamp();
    for (const step of job.steps) {
      if (step.state === 'running') {
        step.state = state === 'cancelled' ? 'skipped' : 'failed';
        step.detail =
          state === 'cancelled' ? 'cancelled' : state === 'interrupted' ? 'interrupted' : 'did not finish';
        step.endedAt = at;
        this.repo.upsertStep(job.summary.id, step);
      }
    }
    if (state === 'succeeded') this.writeProgress(job, 1);
    this.recount(job);
    const safeError = error === null ? null : this.redact(error);
    this.repo.setState(job.summary.id, state, at, safeError);
    Object.assign(job.summary, { state, endedAt: at, error: safeError });
    this.emitUpdate(job);
    this.onEnded({ ...job.summary });
    return { ...job.summary };
  }

  private setState(job: LiveJob, state: JobState): void {
    const at = this.stamp();
    this.repo.setState(job.summary.id, state, at);
    job.summary.state = state;
    if (state === 'running') job.summary.startedAt = at;
    if (finalJobStates.includes(state)) job.summary.endedAt = at;
    this.emitUpdate(job);
  }

  private recount(job: LiveJob): void {
    const count = (s: StepState) => job.steps.filter((x) => x.state === s).length;
    job.summary.counts = { ok: count('ok'), changed: count('changed'), failed: count('failed') };
  }

  private scheduleProgress(job: LiveJob, fraction: number): void {
    job.summary.progress = Math.max(0, Math.min(1, fraction));
    if (job.progressTimer) return;
    job.progressTimer = setTimeout(() => {
      job.progressTimer = null;
      this.repo.setProgress(job.summary.id, job.summary.progress);
      this.emitUpdate(job);
    }, 50);
  }

  private writeProgress(job: LiveJob, fraction: number): void {
    job.summary.progress = fraction;
    this.repo.setProgress(job.summary.id, fraction);
  }

  private appendLog(job: LiveJob, text: string, stream: JobLogLine['stream']): void {
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.length > MAX_LINE ? `${raw.slice(0, MAX_LINE)}… [line truncated]` : raw;
      job.logSeq += 1;
      job.pendingLog.push({
        jobId: job.summary.id,
        seq: job.logSeq,
        at: this.stamp(),
        stream,
        text: this.redact(line),
      });
    }
    if (job.pendingLog.length >= 500) this.flushLog(job);
    else if (!job.flushTimer) job.flushTimer = setTimeout(() => this.flushLog(job), this.logFlushMs);
  }

  private flushLog(job: LiveJob): void {
    if (job.flushTimer) {
      clearTimeout(job.flushTimer);
      job.flushTimer = null;
    }
    if (job.pendingLog.length === 0) return;
    const batch = job.pendingLog;
    job.pendingLog = [];
    this.repo.appendLog(batch);
    this.events.emit('jobs.log', batch);
  }

  private emitUpdate(job: LiveJob): void {
    this.events.emit('jobs.updated', {
      job: { ...job.summary, counts: { ...job.summary.counts } },
      steps: job.steps.map((s) => ({ ...s })),
    });
  }

  private stamp(): string {
    return this.now().toISOString();
  }
}
