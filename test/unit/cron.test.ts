// The cron capability's reading of the host's `cron status`: runs from the ledger, their output
// decoded as data, and a job's problem in one sentence (a failed or timed-out run, a missed run).
import { describe, expect, it } from 'vitest';
import { jobsOf } from '../../src-main/cron';

const NOW = Date.UTC(2026, 11, 2, 12);
const b64 = (s: string) => Buffer.from(s).toString('base64');
const id = (n: number) => String(n).repeat(32).slice(0, 32);

function status(o: Record<string, string> = {}): Record<string, string> {
  return {
    timezone: 'Etc/UTC',
    jobs: 'report',
    'report.schedule': '*:0/5',
    'report.command': 'frankenphp php-cli artisan schedule:run',
    'report.timeout': '60',
    'report.delay': '0',
    'report.cpu': '100',
    'report.memory': '512',
    'report.paused': 'no',
    'report.running': 'no',
    'report.next': String(NOW / 1000 + 60),
    'report.last-trigger': String(NOW / 1000 - 240),
    ...o,
  };
}

describe('scheduled jobs as the host lists them', () => {
  it('reads runs newest first, with their output as text and no control characters', () => {
    const [job] = jobsOf(
      status({
        'report.run.1': `${id(1)} ${NOW - 1000} - - - -`,
        'report.run.2': `${id(2)} ${NOW - 300_000} ${NOW - 298_000} success exited 0`,
        'report.tail.2': b64('done\n\u001b[31mred\u001b[0m\n'),
        'report.run.3': `not-an-id ${NOW} ${NOW} success exited 0`,
      }),
      NOW,
    );
    expect(job!.runs).toEqual([
      {
        id: id(1),
        startedAt: new Date(NOW - 1000).toISOString(),
        endedAt: null,
        result: null,
        exitStatus: null,
        ok: null,
        output: null,
      },
      {
        id: id(2),
        startedAt: new Date(NOW - 300_000).toISOString(),
        endedAt: new Date(NOW - 298_000).toISOString(),
        result: 'success',
        exitStatus: '0',
        ok: true,
        output: 'done\n[31mred[0m\n',
      },
    ]);
    expect(job).toMatchObject({
      timeoutSeconds: 60,
      nextAt: new Date(NOW + 60_000).toISOString(),
      problem: null,
    });
  });

  it('says what needs a look: a failed run, a run stopped at its timeout, a missed run, a timer that is off', () => {
    const failed = (result: string, st: string) =>
      jobsOf(
        status({ 'report.run.1': `${id(1)} ${NOW - 10_000} ${NOW - 9_000} ${result} exited ${st}` }),
        NOW,
      )[0]!.problem;
    expect(failed('exit-code', '3')).toBe(
      `The last run (${new Date(NOW - 10_000).toISOString()}) exited with status 3.`,
    );
    expect(failed('timeout', 'TERM')).toBe(
      `The last run (${new Date(NOW - 10_000).toISOString()}) was stopped at its timeout (60 s).`,
    );
    expect(jobsOf(status({ 'report.next': String(NOW / 1000 - 600) }), NOW)[0]!.problem).toMatch(
      /^A run was due at .+ and has not started/,
    );
    // Paused, or a run going on: nothing is late.
    expect(
      jobsOf(status({ 'report.next': String(NOW / 1000 - 600), 'report.paused': 'yes' }), NOW)[0]!.problem,
    ).toBeNull();
    expect(jobsOf(status({ 'report.next': '' }), NOW)[0]!.problem).toMatch(
      /its timer is not active on the host/,
    );
  });
});
