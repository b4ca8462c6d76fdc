import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { JobDetail, JobLogLine, Result } from '@contract';
import { afterEach, describe, expect, it } from 'vitest';
import { childProcesses, exited } from '../support/processes';
import { openedApps } from '../support/opened-apps';
import { tempDirs } from '../support/temp-dirs';
import { waitFor } from '../support/wait-for';

const fixture = resolve(__dirname, 'fixtures/app-with-running-job.mjs');
const dirs = tempDirs('hostdeck-interrupted-');
const children = childProcesses();
const apps = openedApps();
const open = apps.open;

const value = <T>(result: Result<unknown>): T => {
  if (!result.ok) throw new Error(`call failed: ${JSON.stringify(result.error)}`);
  return result.value as T;
};

/**
 * Runs the fixture app in its own Node process until it reports that its job's log lines are stored,
 * then SIGKILLs it: no shutdown code runs, exactly like a crash or a power cut of the app process.
 */
async function crashWhileJobRuns(dataDir: string): Promise<{ jobId: string; pid: number }> {
  const child = spawn(process.execPath, [fixture, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.track(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  const report = await new Promise<{ jobId: string }>((resolvePromise, reject) => {
    const deadline = setTimeout(
      () => reject(new Error(`fixture did not report within 20 s. stderr:\n${stderr}`)),
      20_000,
    );
    lines.once('line', (line) => {
      clearTimeout(deadline);
      resolvePromise(JSON.parse(line) as { jobId: string });
    });
    child.once('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`fixture exited early (${code}). stderr:\n${stderr}`));
    });
  });
  child.kill('SIGKILL');
  await exited(child);
  return { jobId: report.jobId, pid: child.pid! };
}

afterEach(async () => {
  await apps.closeAll();
  await children.killAll();
  dirs.removeAll();
});

describe('a job running when the app stops', () => {
  it("is 'interrupted' after restart, with its log kept", { timeout: 30_000 }, async () => {
    const dataDir = dirs.make();
    const { jobId, pid } = await crashWhileJobRuns(dataDir);
    // The crashed process never cleaned up: its lock is still there.
    expect(readFileSync(join(dataDir, 'instance.lock'), 'utf8')).toBe(String(pid));

    const hostdeck = open(dataDir);
    expect(hostdeck.interruptedAtStart).toEqual([jobId]);
    expect(readFileSync(join(dataDir, 'instance.lock'), 'utf8')).toBe(String(process.pid));

    const job = value<JobDetail>(await hostdeck.router.dispatch('jobs.get', { id: jobId }, { actor: 'cli' }));
    expect(job).toMatchObject({
      id: jobId,
      title: 'Never-ending upload',
      target: 'web-1',
      state: 'interrupted',
    });
    expect(job.error).toMatch(/stopped while this job was running/);
    expect(job.endedAt).not.toBeNull();
    expect(job.steps.map((s) => [s.name, s.state, s.detail])).toEqual([
      ['Connect', 'ok', 'web-1 reachable'],
      ['Upload bundle', 'failed', 'interrupted'],
    ]);
    expect(job.counts).toEqual({ ok: 1, changed: 0, failed: 1 });

    const log = value<JobLogLine[]>(
      await hostdeck.router.dispatch('jobs.log', { id: jobId }, { actor: 'cli' }),
    );
    expect(log.map((l) => l.text)).toEqual([
      'line 1 of the upload',
      'line 2 of the upload',
      'line 3 of the upload',
      'Hostdeck stopped while this job was running; marked interrupted.',
    ]);
    expect(log.map((l) => l.seq)).toEqual([1, 2, 3, 4]);
    expect(log.at(-1)?.stream).toBe('info');

    const listed = value<{ id: string }[]>(
      await hostdeck.router.dispatch('jobs.list', { state: 'interrupted' }, { actor: 'cli' }),
    );
    expect(listed.map((j) => j.id)).toEqual([jobId]);
  });

  it('is reported as interrupted only at the first restart', { timeout: 30_000 }, async () => {
    const dataDir = dirs.make();
    const { jobId } = await crashWhileJobRuns(dataDir);
    const first = open(dataDir);
    expect(first.interruptedAtStart).toEqual([jobId]);
    await first.close();

    const second = open(dataDir);
    expect(second.interruptedAtStart).toEqual([]);
    expect(second.jobs.get(jobId).state).toBe('interrupted');
    expect(second.jobs.log(jobId, 0, 100)).toHaveLength(4);
  });

  it('leaves jobs that had finished before the crash as they were', async () => {
    const dataDir = dirs.make();
    const before = open(dataDir);
    const done = before.jobs.start({ kind: 'test', title: 'Finished' }, async (ctx) => ctx.log('all good'));
    await before.jobs.wait(done.id);
    await before.close();

    const after = open(dataDir);
    expect(after.interruptedAtStart).toEqual([]);
    expect(after.jobs.get(done.id)).toMatchObject({ state: 'succeeded', error: null });
    expect(after.jobs.log(done.id, 0, 10).map((l) => l.text)).toEqual(['all good']);
  });

  // Regression (fixed): src-main/jobs/service.ts shutdown() (lines 167-171) aborts running jobs and run() (line 180/184)
  // then finishes them as 'cancelled' with the error "Cancelled by the operator." — so quitting the app
  // normally (hostdeck.close(), called from before-quit) records a job the operator never cancelled as
  // cancelled by them. docs ARCHITECTURE: "a job cut off by a restart is shown as interrupted".
  it("is 'interrupted', not 'cancelled by the operator', when the app quits normally", async () => {
    const dataDir = dirs.make();
    const app = open(dataDir);
    const job = app.jobs.start({ kind: 'test', title: 'Cut off by quit' }, async (ctx) => {
      ctx.log('working');
      await new Promise<void>((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true });
      });
    });
    await waitFor(() => app.jobs.get(job.id).state === 'running', { what: 'the job to run' });
    await app.close();

    const restarted = open(dataDir);
    const stored = restarted.jobs.get(job.id);
    expect(stored.error ?? '').not.toMatch(/by the operator/);
    expect(stored.state).toBe('interrupted');
    expect(restarted.jobs.log(job.id, 0, 100).map((l) => l.text)).toContain('working');
  });
});
