// The cron capability: a site's scheduled jobs, each a systemd timer and a sandboxed oneshot
// service on the host (the cron module of the server scripts), and their runs as the host's ledger
// and journal tell them.
import type { CronJob, cronCommands, CronRun, SiteCron } from '@contract';
import { AppError } from '../base/app-error';
import type { CallContext } from '../base/call';
import type { Capability, CapabilityBase, SliceNames } from '../base/capability';
import type { JobContext, JobStarter } from '../jobs';
import type { ScriptRunner } from '../remote/runner';
import type { ServerService } from '../servers';
import type { SiteService } from '../sites';

export interface CronDeps extends CapabilityBase {
  runner: ScriptRunner;
  jobs: JobStarter;
  servers: Pick<ServerService, 'get'>;
  sites: Pick<SiteService, 'get'>;
  now?: () => number;
}

export type Cron = Capability<SliceNames<typeof cronCommands>, null>;

/** A run missed by this much past its time is told (a randomized delay comes on top). */
const GRACE_MS = 2 * 60_000;

const iso = (ms: number | null) => (ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString());
const num = (v: string | undefined) => (v === undefined || v === '' || v === '-' ? null : Number(v));

/** One ledger line of the host ("<id> <start ms> <end ms> <result> <code> <status>", '-' unknown). */
export function runOf(line: string, tail: string | undefined): CronRun | null {
  const [id, start, end, result, , status] = line.split(' ');
  if (!id || !/^[0-9a-f]{32}$/.test(id)) return null;
  const endedAt = iso(num(end));
  const known = (v: string | undefined) => (v && v !== '-' ? v : null);
  return {
    id,
    startedAt: iso(num(start)),
    endedAt,
    result: endedAt ? known(result) : null,
    exitStatus: endedAt ? known(status) : null,
    ok: endedAt ? result === 'success' : null,
    // The tenant's own text: decoded as data, control characters (but newlines and tabs) dropped.
    output:
      tail === undefined || tail === ''
        ? null
        : Buffer.from(tail, 'base64')
            .toString('utf8')
            // eslint-disable-next-line no-control-regex
            .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ''),
  };
}

/** What needs a look about a job, in one sentence, or null. */
export function problemOf(job: Omit<CronJob, 'problem'>, now: number): string | null {
  const last = job.runs.find((r) => r.ok !== null);
  if (last && last.ok === false) {
    const why =
      last.result === 'timeout'
        ? `was stopped at its timeout (${job.timeoutSeconds} s)`
        : last.result === 'exit-code'
          ? `exited with status ${last.exitStatus ?? '?'}`
          : `ended with ${last.result ?? 'an unknown result'}${last.exitStatus ? ` (${last.exitStatus})` : ''}`;
    return `The last run (${last.startedAt ?? 'time unknown'}) ${why}.`;
  }
  if (job.paused || job.running) return null;
  const next = job.nextAt ? Date.parse(job.nextAt) : null;
  if (next !== null && now - next > GRACE_MS + job.delaySeconds * 1000) {
    return `A run was due at ${job.nextAt} and has not started: the host's timer did not fire (is the server's clock or systemd stuck?).`;
  }
  if (next === null)
    return 'The job has no next run: its timer is not active on the host (resume it, or save it again).';
  return null;
}

/** `cron status` read back into the jobs of a site. */
export function jobsOf(status: Record<string, string>, now: number): CronJob[] {
  const names = (status['jobs'] ?? '').split(' ').filter((n) => /^[a-z][a-z0-9-]{0,23}$/.test(n));
  return names.map((name) => {
    const get = (k: string) => status[`${name}.${k}`];
    const runs: CronRun[] = [];
    for (let i = 1; get(`run.${i}`) !== undefined; i++) {
      const run = runOf(get(`run.${i}`)!, get(`tail.${i}`));
      if (run) runs.push(run);
    }
    const at = (k: string) => iso(num(get(k)) === null ? null : num(get(k))! * 1000);
    const job: Omit<CronJob, 'problem'> = {
      name,
      schedule: get('schedule') ?? '',
      command: get('command') ?? '',
      timeoutSeconds: num(get('timeout')) ?? 3600,
      delaySeconds: num(get('delay')) ?? 0,
      cpuPercent: num(get('cpu')) ?? 100,
      memoryMb: num(get('memory')) ?? 512,
      paused: get('paused') === 'yes',
      running: get('running') === 'yes',
      nextAt: at('next'),
      lastTriggerAt: at('last-trigger'),
      runs,
    };
    return { ...job, problem: problemOf(job, now) };
  });
}

export function createCron(d: CronDeps): Cron {
  const now = d.now ?? Date.now;

  /** One verb of the cron module for a site's job, as a job of Hostdeck's queue. */
  const cronJob = (
    ctx: CallContext,
    siteId: string,
    name: string,
    verb: string,
    title: string,
    args: string[] = [],
    stdin?: string,
    detail: Record<string, unknown> = {},
  ) => {
    const site = d.sites.get(siteId);
    ctx.audit({ target: site.id, detail: { domain: site.domain, job: name, ...detail } });
    const job = d.jobs.start(
      {
        kind: `cron.${verb}`,
        title: `${title} ${name} of ${site.domain}`,
        target: site.serverId,
        origin: ctx.origin,
      },
      async (job: JobContext) => {
        await d.runner.upload(job, site.serverId);
        await d.runner.run(job, site.serverId, 'cron', verb, {
          args: ['--site', site.slug, '--job', name, ...args],
          ...(stdin ? { stdin } : {}),
          stepPrefix: '',
        });
      },
    );
    return { jobId: job.id };
  };

  return {
    service: null,
    handlers: {
      'cron.list': async ({ siteId }): Promise<SiteCron> => {
        const site = d.sites.get(siteId);
        const { status, error } = await d.runner.status(site.serverId, 'cron', ['--site', site.slug]);
        if (error)
          throw new AppError('SSH_ERROR', `Reading the scheduled jobs of ${site.domain} failed: ${error}.`);
        return { siteId, timezone: status['timezone'] ?? 'UTC', jobs: jobsOf(status, now()) };
      },
      'cron.set': (input, ctx) =>
        cronJob(
          ctx,
          input.siteId,
          input.name,
          'install',
          'Scheduled job',
          [
            '--schedule',
            input.schedule,
            '--timeout',
            String(input.timeoutSeconds),
            '--delay',
            String(input.delaySeconds),
            '--cpu',
            String(input.cpuPercent),
            '--memory',
            String(input.memoryMb),
            '--command-stdin',
          ],
          // The command on stdin, never in argv (it may carry a token).
          `${input.command}\n`,
          { schedule: input.schedule },
        ),
      'cron.remove': ({ siteId, name }, ctx) => cronJob(ctx, siteId, name, 'remove', 'Remove scheduled job'),
      'cron.pause': ({ siteId, name }, ctx) => cronJob(ctx, siteId, name, 'disable', 'Pause scheduled job'),
      'cron.resume': ({ siteId, name }, ctx) => cronJob(ctx, siteId, name, 'enable', 'Resume scheduled job'),
      'cron.run': ({ siteId, name }, ctx) => cronJob(ctx, siteId, name, 'run', 'Run scheduled job'),
      'cron.preview': async ({ serverId, schedule }) => {
        const server = d.servers.get(serverId);
        const { status, error } = await d.runner.read(server.id, 'cron', 'preview', ['--schedule', schedule]);
        if (error) {
          throw new AppError('VALIDATION', error.replace(/^option --schedule: /, ''), { field: 'schedule' });
        }
        const next: string[] = [];
        for (let i = 1; status[`next.${i}`]; i++) next.push(status[`next.${i}`]!);
        return { timezone: status['timezone'] ?? 'UTC', normalized: status['normalized'] ?? schedule, next };
      },
    },
  };
}
