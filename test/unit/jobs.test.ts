import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventName, JobLogLine, JobUpdate } from '@contract';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src-main/base/app-error';
import { EventBus } from '../../src-main/base/events';
import { openDatabase } from '../../src-main/infra/store/database';
import type { Database } from '../../src-main/infra/store/database';
import { JobRepository } from '../../src-main/jobs/repository';
import { JobService } from '../../src-main/jobs/service';
import type { JobContext, JobServiceOptions } from '../../src-main/jobs/service';
import { tempDirs } from '../support/temp-dirs';
import { gate, settle, waitFor } from '../support/wait-for';

const dirs = tempDirs('hostdeck-jobs-');
const cleanups: (() => Promise<void>)[] = [];

/** A JobService over a real SQLite file, with every event it emits recorded in order. */
function jobsOnDisk(opts: JobServiceOptions = {}) {
  const file = join(dirs.make(), 'hostdeck.sqlite');
  const db: Database = openDatabase(file);
  const events = new EventBus();
  const seen: { name: EventName; payload: unknown }[] = [];
  events.listen((name, payload) => seen.push({ name, payload: structuredClone(payload) }));
  const jobs = new JobService(new JobRepository(db), events, opts);
  cleanups.push(async () => {
    await jobs.shutdown();
    db.close();
  });
  const updates = (jobId: string) =>
    seen
      .filter((e) => e.name === 'jobs.updated')
      .map((e) => e.payload as JobUpdate)
      .filter((u) => u.job.id === jobId);
  const logEvents = (jobId: string) =>
    seen
      .filter((e) => e.name === 'jobs.log')
      .map((e) => e.payload as JobLogLine[])
      .filter((lines) => lines.some((l) => l.jobId === jobId));
  return { file, db, jobs, seen, updates, logEvents };
}

/** A runner that holds until the job is cancelled, the way real work awaits ctx.signal. */
const untilCancelled = (ctx: JobContext) =>
  new Promise<void>((_resolve, reject) => {
    ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true });
  });

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  dirs.removeAll();
});

describe('jobs: steps, counts and outcome', () => {
  it('persists each step with its outcome, counts them, and ends succeeded at progress 1', async () => {
    const { jobs } = jobsOnDisk();
    const { id } = jobs.start(
      { kind: 'test', title: 'Three steps', target: 'web-1', plannedSteps: 4 },
      async (ctx) => {
        await ctx.step('Package installed', async () => ({ state: 'ok', detail: 'caddy 2.8' }));
        await ctx.step('Config written', async () => ({ state: 'changed', detail: '/etc/caddy/Caddyfile' }));
        await ctx.step('Service running', async () => ({ state: 'ok' }));
        ctx.beginStep('Optional module').finish('skipped', 'not requested');
      },
    );
    const final = await jobs.wait(id);

    expect(final).toMatchObject({
      state: 'succeeded',
      progress: 1,
      error: null,
      counts: { ok: 2, changed: 1, failed: 0 },
    });
    const stored = jobs.get(id);
    expect(stored).toMatchObject({
      kind: 'test',
      title: 'Three steps',
      target: 'web-1',
      state: 'succeeded',
      progress: 1,
    });
    expect(stored.counts).toEqual({ ok: 2, changed: 1, failed: 0 });
    expect(stored.steps.map((s) => [s.seq, s.name, s.state, s.detail])).toEqual([
      [1, 'Package installed', 'ok', 'caddy 2.8'],
      [2, 'Config written', 'changed', '/etc/caddy/Caddyfile'],
      [3, 'Service running', 'ok', null],
      [4, 'Optional module', 'skipped', 'not requested'],
    ]);
    expect(stored.steps.every((s) => s.endedAt !== null)).toBe(true);
    expect(stored.startedAt).not.toBeNull();
    expect(stored.endedAt).not.toBeNull();
  });

  it('reaches progress 1 on success even when fewer steps ran than planned', async () => {
    const { jobs } = jobsOnDisk();
    const { id } = jobs.start({ kind: 'test', title: 'Short', plannedSteps: 10 }, async (ctx) => {
      await ctx.step('Only step', async () => ({ state: 'ok' }));
    });
    expect(await jobs.wait(id)).toMatchObject({ state: 'succeeded', progress: 1 });
    expect(jobs.get(id).progress).toBe(1);
  });

  it('ends failed when a step failed, counting it', async () => {
    const { jobs } = jobsOnDisk();
    const { id } = jobs.start({ kind: 'test', title: 'One bad step' }, async (ctx) => {
      await ctx.step('Fine', async () => ({ state: 'ok' }));
      ctx.beginStep('Disk check').finish('failed', 'only 2% free');
    });
    expect(await jobs.wait(id)).toMatchObject({ state: 'failed', error: 'One or more steps failed.' });
    const stored = jobs.get(id);
    expect(stored.counts).toEqual({ ok: 1, changed: 0, failed: 1 });
    expect(stored.steps[1]).toMatchObject({ name: 'Disk check', state: 'failed', detail: 'only 2% free' });
  });

  it('marks a throwing runner failed with its error, keeping the log and failing the unfinished step', async () => {
    const { jobs } = jobsOnDisk();
    const { id } = jobs.start({ kind: 'test', title: 'Crashes' }, async (ctx) => {
      ctx.log('connecting to web-1');
      ctx.log('uploading bundle', 'err');
      ctx.beginStep('Upload');
      throw new Error('connection reset by peer');
    });
    expect(await jobs.wait(id)).toMatchObject({ state: 'failed', error: 'connection reset by peer' });
    expect(jobs.log(id, 0, 100).map((l) => [l.seq, l.stream, l.text])).toEqual([
      [1, 'out', 'connecting to web-1'],
      [2, 'err', 'uploading bundle'],
      [3, 'err', 'Failed: connection reset by peer'],
    ]);
    expect(jobs.get(id).steps).toMatchObject([{ name: 'Upload', state: 'failed', detail: 'did not finish' }]);
  });

  it('fails the step whose function throws, with the error as its detail', async () => {
    const { jobs } = jobsOnDisk();
    const { id } = jobs.start({ kind: 'test', title: 'Step throws' }, async (ctx) => {
      await ctx.step('Validate Caddyfile', async () => {
        throw new Error('unknown directive "reverse_prox"');
      });
    });
    expect(await jobs.wait(id)).toMatchObject({ state: 'failed', error: 'unknown directive "reverse_prox"' });
    expect(jobs.get(id).steps).toMatchObject([
      { name: 'Validate Caddyfile', state: 'failed', detail: 'unknown directive "reverse_prox"' },
    ]);
    expect(jobs.get(id).counts.failed).toBe(1);
  });

  it('stores a multi-line log call as separate lines, in order', async () => {
    const { jobs } = jobsOnDisk();
    const { id } = jobs.start({ kind: 'test', title: 'Lines' }, async (ctx) => {
      ctx.log('one\ntwo\r\nthree');
    });
    await jobs.wait(id);
    expect(jobs.log(id, 0, 100).map((l) => l.text)).toEqual(['one', 'two', 'three']);
    expect(jobs.log(id, 1, 100).map((l) => l.text)).toEqual(['two', 'three']);
  });

  it('answers wait and get for an unknown job with NOT_FOUND', async () => {
    const { jobs } = jobsOnDisk();
    const unknown = '00000000-0000-4000-8000-000000000000';
    await expect(jobs.wait(unknown)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(() => jobs.get(unknown)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  // Regression (fixed): src-main/jobs/service.ts finish() (line 246) clears a pending progress timer without writing
  // job.summary.progress, so a progress set less than 50 ms before a job fails or is cancelled is
  // emitted in the final jobs.updated event but never stored: the UI shows one value, and after a
  // restart jobs.get shows another.
  it('stores the same final progress it announced in the last jobs.updated event', async () => {
    const { jobs, updates } = jobsOnDisk();
    const { id } = jobs.start({ kind: 'test', title: 'Half way then fails' }, async (ctx) => {
      ctx.setProgress(0.5);
      throw new Error('lost the connection');
    });
    await jobs.wait(id);
    const last = updates(id).at(-1);
    expect(last?.job.state).toBe('failed');
    expect(jobs.get(id).progress).toBe(last?.job.progress);
  });
});

describe('jobs: live events', () => {
  it('emits jobs.updated and jobs.log while the job runs, in order, before it ends', async () => {
    const { jobs, seen, updates, logEvents } = jobsOnDisk();
    const release = gate();
    const { id } = jobs.start({ kind: 'test', title: 'Live', plannedSteps: 3 }, async (ctx) => {
      await ctx.step('First', async () => ({ state: 'ok' }));
      ctx.log('first line');
      ctx.log('second line');
      await release.opened;
      await ctx.step('Second', async () => ({ state: 'changed' }));
      await ctx.step('Third', async () => ({ state: 'ok' }));
    });

    // The job cannot end before `release` opens, so everything observed here was live.
    await waitFor(
      () =>
        logEvents(id)
          .flat()
          .some((l) => l.text === 'second line'),
      { what: 'live log lines' },
    );
    const midway = updates(id).filter(
      (u) => u.job.state === 'running' && u.job.progress > 0 && u.job.progress < 1,
    );
    expect(midway.length).toBeGreaterThan(0);
    expect(midway[0]?.job.progress).toBeCloseTo(1 / 3);
    expect(jobs.get(id).state).toBe('running');
    release.open();
    await jobs.wait(id);

    const states = updates(id).map((u) => u.job.state);
    expect(states[0]).toBe('queued');
    expect(states.at(-1)).toBe('succeeded');
    expect(states.indexOf('running')).toBeGreaterThan(0);
    expect(states.slice(states.indexOf('running'), -1).every((s) => s === 'running')).toBe(true);
    const progress = updates(id).map((u) => u.job.progress);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(
      updates(id)
        .at(-1)
        ?.steps.map((s) => s.state),
    ).toEqual(['ok', 'changed', 'ok']);

    const lines = logEvents(id).flat();
    expect(lines.map((l) => l.text)).toEqual(['first line', 'second line']);
    expect(lines.map((l) => l.seq)).toEqual([1, 2]);
    const lastLogEvent = seen.findLastIndex((e) => e.name === 'jobs.log');
    const finalUpdate = seen.findIndex(
      (e) => e.name === 'jobs.updated' && (e.payload as JobUpdate).job.state === 'succeeded',
    );
    expect(lastLogEvent).toBeLessThan(finalUpdate);
  });

  it('has every emitted log line already stored in the database', async () => {
    const { jobs, logEvents } = jobsOnDisk();
    const release = gate();
    const { id } = jobs.start({ kind: 'test', title: 'Durable log' }, async (ctx) => {
      ctx.log('written before the event');
      await release.opened;
    });
    await waitFor(() => logEvents(id).length > 0, { what: 'a jobs.log event' });
    expect(jobs.log(id, 0, 10).map((l) => l.text)).toEqual(['written before the event']);
    release.open();
    await jobs.wait(id);
  });
});

describe('jobs: cancel', () => {
  it('cancels a running job whose runner awaits ctx.signal', async () => {
    const { jobs } = jobsOnDisk();
    let sawAbort = false;
    const { id } = jobs.start({ kind: 'test', title: 'Long upload' }, async (ctx) => {
      ctx.beginStep('Upload');
      try {
        await untilCancelled(ctx);
      } finally {
        sawAbort = ctx.signal.aborted;
      }
    });
    await waitFor(() => jobs.get(id).steps.length === 1, { what: 'the job to start its step' });

    expect(jobs.cancel(id).id).toBe(id);
    const final = await jobs.wait(id);
    expect(final.state).toBe('cancelled');
    expect(sawAbort).toBe(true);
    expect(jobs.get(id)).toMatchObject({
      state: 'cancelled',
      steps: [{ name: 'Upload', state: 'skipped', detail: 'cancelled' }],
    });
    expect(jobs.log(id, 0, 10).map((l) => [l.stream, l.text])).toContainEqual(['info', 'Cancel requested.']);
  });

  it('cancels a job still queued behind another on the same target without running it', async () => {
    const { jobs } = jobsOnDisk();
    const first = jobs.start({ kind: 'test', title: 'Holds web-1', target: 'web-1' }, untilCancelled);
    let secondRan = false;
    const second = jobs.start({ kind: 'test', title: 'Waits for web-1', target: 'web-1' }, async () => {
      secondRan = true;
    });
    await waitFor(() => jobs.get(first.id).state === 'running', { what: 'the first job to run' });
    expect(jobs.get(second.id).state).toBe('queued');

    jobs.cancel(second.id);
    jobs.cancel(first.id);
    expect(await jobs.wait(second.id)).toMatchObject({
      state: 'cancelled',
      error: 'Cancelled before it started.',
    });
    expect(secondRan).toBe(false);
  });

  it('refuses to cancel a job that already ended with INVALID_STATE', async () => {
    const { jobs } = jobsOnDisk();
    const { id } = jobs.start({ kind: 'test', title: 'Done quickly' }, async () => undefined);
    await jobs.wait(id);
    let error: unknown;
    try {
      jobs.cancel(id);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'INVALID_STATE', message: expect.stringContaining('succeeded') });
    expect(jobs.get(id).state).toBe('succeeded');
  });

  it('refuses to cancel an unknown job with NOT_FOUND', () => {
    const { jobs } = jobsOnDisk();
    expect(() => jobs.cancel('00000000-0000-4000-8000-000000000000')).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
  });
});

describe('jobs: per-target serialisation', () => {
  /** Runners that record how many run at once; each holds until its own gate opens. */
  function concurrencyProbe() {
    let active = 0;
    let maxActive = 0;
    const started: string[] = [];
    const runner = (name: string, hold: Promise<void>) => async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      started.push(name);
      try {
        await hold;
      } finally {
        active -= 1;
      }
    };
    return { runner, started, maxActive: () => maxActive };
  }

  it('never runs two jobs on the same target at once', async () => {
    const { jobs } = jobsOnDisk();
    const probe = concurrencyProbe();
    const holdA = gate();
    const holdB = gate();
    const a = jobs.start({ kind: 'test', title: 'A', target: 'x' }, probe.runner('A', holdA.opened));
    const b = jobs.start({ kind: 'test', title: 'B', target: 'x' }, probe.runner('B', holdB.opened));

    await waitFor(() => probe.started.includes('A'), { what: 'job A to start' });
    await settle(10);
    expect(probe.started).toEqual(['A']);
    expect(jobs.get(b.id).state).toBe('queued');

    holdA.open();
    await waitFor(() => probe.started.includes('B'), { what: 'job B to start after A' });
    holdB.open();
    await Promise.all([jobs.wait(a.id), jobs.wait(b.id)]);

    expect(probe.maxActive()).toBe(1);
    expect(jobs.get(b.id).startedAt! >= jobs.get(a.id).endedAt!).toBe(true);
  });

  it('runs the next job on a target after the previous one failed', async () => {
    const { jobs } = jobsOnDisk();
    const a = jobs.start({ kind: 'test', title: 'Fails', target: 'x' }, async () => {
      throw new Error('boom');
    });
    const b = jobs.start({ kind: 'test', title: 'Runs anyway', target: 'x' }, async () => undefined);
    expect(await jobs.wait(a.id)).toMatchObject({ state: 'failed' });
    expect(await jobs.wait(b.id)).toMatchObject({ state: 'succeeded' });
  });

  it('runs jobs on different targets at the same time', async () => {
    const { jobs } = jobsOnDisk();
    const probe = concurrencyProbe();
    const hold = gate();
    const a = jobs.start({ kind: 'test', title: 'On x', target: 'x' }, probe.runner('A', hold.opened));
    const b = jobs.start({ kind: 'test', title: 'On y', target: 'y' }, probe.runner('B', hold.opened));
    // Both must be inside their runners together; serialised, this would time out.
    await waitFor(() => probe.started.length === 2, { what: 'both jobs to be running together' });
    expect(probe.maxActive()).toBe(2);
    hold.open();
    await Promise.all([jobs.wait(a.id), jobs.wait(b.id)]);
  });

  it('runs jobs without a target at the same time', async () => {
    const { jobs } = jobsOnDisk();
    const probe = concurrencyProbe();
    const hold = gate();
    const a = jobs.start({ kind: 'test', title: 'Untargeted 1' }, probe.runner('A', hold.opened));
    const b = jobs.start({ kind: 'test', title: 'Untargeted 2' }, probe.runner('B', hold.opened));
    await waitFor(() => probe.started.length === 2, { what: 'both untargeted jobs to be running' });
    hold.open();
    await Promise.all([jobs.wait(a.id), jobs.wait(b.id)]);
    expect(probe.maxActive()).toBe(2);
  });
});

describe('jobs: redaction', () => {
  const secret = 'hunter2-Zx9!';

  it('removes a registered secret from stored log lines, step details, errors, events and the file', async () => {
    const { jobs, file, seen } = jobsOnDisk({ redact: (t) => t.split(secret).join('[redacted]') });
    const { id } = jobs.start({ kind: 'test', title: 'Uses a password' }, async (ctx) => {
      ctx.log(`mysql -u site -p${secret}`);
      await ctx.step('Create database user', async () => ({
        state: 'changed',
        detail: `password ${secret} set`,
      }));
      throw new Error(`Access denied for user 'site' (using password: ${secret})`);
    });
    const final = await jobs.wait(id);

    expect(final.state).toBe('failed');
    expect(final.error).toBe(`Access denied for user 'site' (using password: [redacted])`);
    const log = jobs.log(id, 0, 100).map((l) => l.text);
    expect(log).toEqual([
      'mysql -u site -p[redacted]',
      `Failed: Access denied for user 'site' (using password: [redacted])`,
    ]);
    expect(jobs.get(id).steps[0]?.detail).toBe('password [redacted] set');
    expect(JSON.stringify(jobs.get(id))).not.toContain(secret);
    expect(JSON.stringify(seen)).not.toContain(secret);

    for (const part of [file, `${file}-wal`]) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(part);
      } catch {
        continue; // no WAL file at this moment
      }
      expect(bytes.includes(secret), `${part} contains the secret`).toBe(false);
    }
  });
});
