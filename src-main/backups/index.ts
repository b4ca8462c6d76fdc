// The backups capability: each server's restic repository (its password made here, kept in the
// vault, owned by the server by id) and each site's runs, listed and restored through the backup
// module of the server scripts.
import { join } from 'node:path';
import type {
  BackupCheck,
  BackupLock,
  BackupOffsite,
  BackupRetention,
  backupsCommands,
  BackupRun,
  SiteBackups,
} from '@contract';
import { AppError } from '../base/app-error';
import type { CallContext } from '../base/call';
import type { Capability, CapabilityBase, SliceNames } from '../base/capability';
import type { Database } from '../infra/store/database';
import type { OwnedSecrets } from '../infra/store/owned-secrets';
import type { JobContext, JobStarter } from '../jobs';
import type { ScriptRunner } from '../remote/runner';
import type { ServerService } from '../servers';
import type { SiteService } from '../sites';
import { ownedSecret, randomPassword } from '../vault';
import { BackupCopies } from './copies';
import { pullRepository } from './pull';
import type { VaultService } from '../vault';

/** The purpose under which a server owns its backup repository's password. */
export const RESTIC_PASSWORD = 'restic-password';

export interface BackupsDeps extends CapabilityBase {
  runner: ScriptRunner;
  jobs: JobStarter;
  servers: Pick<ServerService, 'get' | 'list' | 'pinnedHostKey'>;
  sites: Pick<SiteService, 'get' | 'refresh' | 'list'>;
  vault: Pick<VaultService, 'list' | 'use' | 'add'>;
  owned: OwnedSecrets;
  db: Database;
  /** Where the laptop keeps its copies of the servers' repositories (one folder per server). */
  copiesDir: string;
}

interface ResticSnapshot {
  id: string;
  time: string;
  tags?: string[];
}

/** restic's snapshot list of one site, grouped into runs by their `hd-run=` tag, newest first. */
export function runsOf(snapshots: ResticSnapshot[]): BackupRun[] {
  const runs = new Map<string, BackupRun>();
  for (const s of snapshots) {
    const tag = (name: string) => s.tags?.find((t) => t.startsWith(`${name}=`))?.slice(name.length + 1);
    const run = tag('hd-run');
    const part = tag('hd-part');
    if (!run || (part !== 'db' && part !== 'files')) continue;
    const entry = runs.get(run) ?? { run, at: s.time, database: null, files: null };
    if (part === 'db') entry.database = s.id;
    else entry.files = s.id;
    if (s.time < entry.at) entry.at = s.time;
    runs.set(run, entry);
  }
  return [...runs.values()].sort((a, b) => (a.run < b.run ? 1 : -1));
}

export interface Backups extends Capability<SliceNames<typeof backupsCommands>, null> {
  /**
   * Inside a site's delete job: an encrypted final snapshot (tagged hd-final, never pruned), making
   * the server's repository first if it has none (without turning on its schedule).
   */
  finalBackup(job: JobContext, site: { serverId: string; slug: string }): Promise<void>;
}

const HOUR = 3_600_000;
/** How long a schedule may go without a new backup before it is overdue: its period and a grace. */
const allowedGap: Record<string, number> = {
  hourly: 1.5 * HOUR,
  daily: 30 * HOUR,
  weekly: 8 * 24 * HOUR,
  monthly: 32 * 24 * HOUR,
};

/** The sentence for a site whose backups need a look, or null (see SiteBackups.overdue). */
export function overdue(
  runs: BackupRun[],
  schedule: string | null,
  since: string | null,
  now = Date.now(),
): string | null {
  if (!schedule) return null; // no schedule on the host: nothing is expected by itself
  const gap = allowedGap[schedule] ?? allowedGap['daily']!;
  const newest = runs[0];
  if (!newest) {
    const waited = since ? now - Date.parse(since) : 0;
    return waited > gap
      ? `No backup yet, although the host's schedule (${schedule}) has been on since ${since}.`
      : null;
  }
  const age = now - Date.parse(newest.at);
  if (age <= gap) return null;
  const hours = Math.floor(age / HOUR);
  const ageText = hours >= 48 ? `${Math.floor(hours / 24)} days` : `${hours} hours`;
  return `The newest backup is ${ageText} old; the host's schedule (${schedule}) should have made one since. Check the server's backup timer.`;
}

/** The host's `locks` line ("pid@host since state", comma separated), malformed entries left out. */
export function locksOf(line: string | undefined): BackupLock[] {
  return (line ?? '')
    .split(',')
    .map((entry) => /^(\d+)@([A-Za-z0-9._-]+) (\S+) (alive|gone|elsewhere)$/.exec(entry))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), host: m[2]!, since: m[3]!, state: m[4] as BackupLock['state'] }));
}

/** A lock longer than a scheduled run may take (the timer's timeout is 6 h). */
const LONG_LOCK = 6 * HOUR;

/** The sentence for locks that need a look: a stale one, or one held longer than a run may take. */
export function lockWarning(locks: BackupLock[], now = Date.now()): string | null {
  const stale = locks.find((l) => l.state === 'gone');
  if (stale) {
    return `A lock of a backup that is gone (process ${stale.pid} on ${stale.host}, since ${stale.since}) is on the repository: the next run removes it, or back up now.`;
  }
  const long = locks.find((l) => l.state === 'alive' && now - Date.parse(l.since) > LONG_LOCK);
  return long
    ? `Process ${long.pid} on ${long.host} has held the repository since ${long.since}, longer than a run may take: if it hangs, stop it on the host (the next run then removes its lock).`
    : null;
}

/** The host's `retention` line ("last daily weekly monthly"), or null. */
export function retentionOf(line: string | undefined): BackupRetention | null {
  const m = /^(\d{1,3}) (\d{1,3}) (\d{1,3}) (\d{1,3})$/.exec(line ?? '');
  return m ? { last: Number(m[1]), daily: Number(m[2]), weekly: Number(m[3]), monthly: Number(m[4]) } : null;
}

/** A result line the host records (`last-check`, `last-drill`: "<UTC time> ok|failed <detail>"). */
export function checkOf(line: string | undefined): BackupCheck | null {
  const m = /^(\S+) (ok|failed) (.+)$/.exec(line ?? '');
  return m ? { at: m[1]!, ok: m[2] === 'ok', detail: m[3]! } : null;
}

export function createBackups(d: BackupsDeps): Backups {
  /** The repository password of a server: made once, kept in the vault, owned by the server. */
  const repoPassword = ownedSecret(d, {
    ownerKind: 'server',
    purpose: RESTIC_PASSWORD,
    kind: 'password',
    usedBy: (id) => {
      const server = d.servers.list().find((s) => s.id === id);
      return server ? `server ${server.name} (its backup repository password)` : null;
    },
    make: (id) => ({
      label: `Backup repository of ${d.servers.get(id).name} (${id})`,
      payload: { kind: 'password', password: randomPassword(32) },
    }),
  });

  const copies = new BackupCopies(d.db);
  const nameOf = (id: string) => d.servers.list().find((s) => s.id === id)?.name ?? id;
  // A server is in use while its backups are copied elsewhere, and while it keeps another's copy.
  d.references.declare('server', (id) => {
    const own = copies.of(id);
    return [
      ...(own ? [`its offsite backup copy on ${nameOf(own.targetServerId)} (stop it in Backups first)`] : []),
      ...copies
        .keptOn(id)
        .map(
          (c) =>
            `the offsite copy of ${nameOf(c.sourceServerId)}'s backups it keeps (stop it in Backups first)`,
        ),
    ];
  });

  /**
   * The copy of another server's backups that a site's server keeps: its account name and the
   * password its snapshots open with (the other server's repository password, on stdin only).
   */
  const copyKeptFor = (siteServerId: string, fromServerId: string) => {
    const copy = copies.of(fromServerId);
    if (!copy || copy.targetServerId !== siteServerId) {
      throw new AppError(
        'VALIDATION',
        `${nameOf(fromServerId)}'s backups are not copied to ${nameOf(siteServerId)}: set up its offsite copy there first (Backups → Offsite copy).`,
        { field: 'fromServerId' },
      );
    }
    return { args: ['--offsite', copy.name], stdin: `${repoPassword(fromServerId).password}\n` };
  };

  const siteJob = (
    ctx: CallContext,
    siteId: string,
    kind: string,
    title: string,
    run: (job: JobContext, site: { serverId: string; slug: string }) => Promise<unknown>,
  ) => {
    const site = d.sites.get(siteId);
    const job = d.jobs.start(
      { kind, title: `${title} ${site.domain}`, target: site.serverId, origin: ctx.origin },
      async (job) => {
        await d.runner.upload(job, site.serverId);
        await run(job, site);
      },
    );
    return { jobId: job.id };
  };

  /** A job on one server, audited with the server's name (and any detail). */
  const serverJob = (
    ctx: CallContext,
    serverId: string,
    kind: string,
    title: (name: string) => string,
    run: (job: JobContext, serverId: string) => Promise<void>,
    detail: Record<string, unknown> = {},
  ) => {
    const server = d.servers.get(serverId);
    ctx.audit({ target: server.id, detail: { server: server.name, ...detail } });
    const job = d.jobs.start(
      { kind, title: title(server.name), target: server.id, origin: ctx.origin },
      (job) => run(job, server.id),
    );
    return { jobId: job.id };
  };

  /** One verb of the backup module on a server, as a job (kind backup.<verb>). */
  const backupVerbJob = (
    ctx: CallContext,
    serverId: string,
    verb: string,
    title: (name: string) => string,
    args: string[] = [],
  ) =>
    serverJob(ctx, serverId, `backup.${verb}`, title, async (job, id) => {
      await d.runner.upload(job, id);
      await d.runner.run(job, id, 'backup', verb, { args, stepPrefix: '' });
    });

  return {
    service: null,
    async finalBackup(job, site) {
      const { status } = await d.runner.status(site.serverId, 'backup');
      if (status['enabled'] !== 'yes') {
        await d.runner.run(job, site.serverId, 'backup', 'install', {
          args: ['--password-stdin', '--no-schedule'],
          stdin: `${repoPassword(site.serverId).password}\n`,
          stepPrefix: 'final backup: ',
        });
      }
      await d.runner.run(job, site.serverId, 'backup', 'run', {
        args: ['--site', site.slug, '--final'],
        stepPrefix: 'final backup: ',
      });
    },
    handlers: {
      'backups.setup': (input, ctx) => {
        // Made (or found) before the job starts: a locked vault refuses here, with nothing started.
        const password = repoPassword(d.servers.get(input.serverId).id).password;
        return serverJob(
          ctx,
          input.serverId,
          'backup.setup',
          (name) => `Set up backups on ${name}`,
          async (job, serverId) => {
            await d.runner.upload(job, serverId);
            const r = input.retention;
            const keep = r
              ? [
                  '--keep-last',
                  r.last,
                  '--keep-daily',
                  r.daily,
                  '--keep-weekly',
                  r.weekly,
                  '--keep-monthly',
                  r.monthly,
                ]
              : [];
            await d.runner.run(job, serverId, 'backup', 'install', {
              args: ['--password-stdin', '--schedule', input.schedule, ...keep.map(String)],
              stdin: `${password}\n`,
              stepPrefix: '',
            });
          },
          { schedule: input.schedule, ...(input.retention ? { retention: input.retention } : {}) },
        );
      },
      'backups.run': (input, ctx) => {
        const site = d.sites.get(input.siteId);
        ctx.audit({ target: site.id, detail: { domain: site.domain } });
        return siteJob(ctx, input.siteId, 'backup.run', 'Back up', (job, s) =>
          d.runner.run(job, s.serverId, 'backup', 'run', { args: ['--site', s.slug], stepPrefix: '' }),
        );
      },
      'backups.pull': (input, ctx) =>
        serverJob(
          ctx,
          input.serverId,
          'backup.pull',
          (name) => `Copy ${name}'s backups to this laptop`,
          (job, serverId) =>
            job.step('Repository copy on this laptop', async () => {
              const r = await pullRepository(d.runner, job, serverId, join(d.copiesDir, serverId));
              const detail = `${r.files} new file(s), ${r.bytes} bytes; ${r.kept} already here`;
              return { state: r.files > 0 ? 'changed' : 'ok', detail };
            }),
        ),
      'backups.schedule': (input, ctx) => {
        const site = d.sites.get(input.siteId);
        ctx.audit({ target: site.id, detail: { domain: site.domain, schedule: input.schedule } });
        const args = input.schedule ? ['--schedule', input.schedule] : ['--default'];
        return siteJob(ctx, input.siteId, 'backup.schedule', 'Backup schedule of', (job, s) =>
          d.runner.run(job, s.serverId, 'backup', 'schedule', {
            args: ['--site', s.slug, ...args],
            stepPrefix: '',
          }),
        );
      },
      'backups.offsite': (input, ctx) => {
        const source = d.servers.get(input.serverId);
        const target = input.targetServerId ? d.servers.get(input.targetServerId) : null;
        const hostKey = target ? d.servers.pinnedHostKey(target.id) : null;
        if (target && !hostKey) {
          throw new AppError(
            'VALIDATION',
            `${target.name}'s host key is not confirmed yet, so ${source.name} could not check it is talking to ${target.name}: connect to ${target.name} once and confirm its key.`,
            { field: 'targetServerId' },
          );
        }
        // Read before the job starts: a locked vault refuses here, with nothing started.
        repoPassword(source.id);
        const before = copies.of(source.id);
        const on = (name: string) => `${name}: `;
        return serverJob(
          ctx,
          source.id,
          'backup.offsite',
          (name) =>
            target ? `Copy ${name}'s backups to ${target.name}` : `Stop copying ${name}'s backups offsite`,
          async (job, serverId) => {
            await d.runner.upload(job, serverId);
            // Said at the end of the job (it fails): the old target still lets this server in.
            let unrevoked: string | null = null;
            if (before && before.targetServerId !== target?.id) {
              await d.runner.run(job, serverId, 'backup', 'offsite', {
                args: ['--none'],
                stepPrefix: on(source.name),
              });
              const old = nameOf(before.targetServerId);
              // The old target may be gone or down: its copy stays either way, only the key is taken away.
              try {
                await d.runner.upload(job, before.targetServerId);
                await d.runner.run(job, before.targetServerId, 'backup', 'revoke', {
                  args: ['--source', before.name],
                  stepPrefix: on(old),
                });
              } catch (err) {
                unrevoked = `${old} could not be told to refuse ${source.name} any more (${(err as Error).message}): remove /etc/ssh/hostdeck-offsite/hd-off-${before.name}.keys there by hand.`;
              }
              copies.remove(serverId);
            }
            const finish = () => {
              if (unrevoked) throw new AppError('SSH_ERROR', unrevoked);
            };
            if (!target) return finish();
            const name = before?.targetServerId === target.id ? before.name : copies.newName();
            const key = await d.runner.run(job, serverId, 'backup', 'key', { stepPrefix: on(source.name) });
            const publicKey = key['public-key'];
            if (!publicKey) throw new AppError('SSH_ERROR', `${source.name} did not report its offsite key.`);
            await d.runner.upload(job, target.id);
            await d.runner.run(job, target.id, 'backup', 'accept', {
              args: ['--source', name, '--public-key-stdin'],
              stdin: `${publicKey}\n`,
              stepPrefix: on(target.name),
            });
            // Recorded as soon as the target has the account: stopping it later revokes it there.
            copies.set({ sourceServerId: serverId, targetServerId: target.id, name });
            await d.runner.run(job, serverId, 'backup', 'offsite', {
              args: [
                '--target',
                `hd-off-${name}@${target.host}`,
                '--port',
                String(target.port),
                '--host-key-stdin',
              ],
              stdin: `${hostKey}\n`,
              stepPrefix: on(source.name),
            });
            await d.runner.run(job, serverId, 'backup', 'copy', { stepPrefix: on(source.name) });
            finish();
          },
          { target: target?.name ?? null },
        );
      },
      'backups.copy': (input, ctx) =>
        backupVerbJob(ctx, input.serverId, 'copy', (name) => `Copy ${name}'s backups offsite`),
      'backups.check': (input, ctx) =>
        backupVerbJob(ctx, input.serverId, 'check', (name) => `Check ${name}'s backup repository`, [
          '--read-data',
          '10',
        ]),
      'backups.drill': (input, ctx) => {
        const site = d.sites.get(input.siteId);
        ctx.audit({ target: site.id, detail: { domain: site.domain } });
        return siteJob(ctx, input.siteId, 'backup.drill', 'Restore drill of', (job, s) =>
          d.runner.run(job, s.serverId, 'site', 'drill', { args: ['--site', s.slug], stepPrefix: '' }),
        );
      },
      'backups.list': async (input): Promise<SiteBackups> => {
        const site = d.sites.get(input.siteId);
        const of = input.fromSlug ?? site.slug;
        const elsewhere = input.fromServerId ? copyKeptFor(site.serverId, input.fromServerId) : null;
        const { status, error } = await d.runner.status(
          site.serverId,
          'backup',
          ['--site', of, ...(elsewhere?.args ?? [])],
          elsewhere?.stdin,
        );
        if (error) throw new AppError('SSH_ERROR', `Reading the backups of ${site.domain} failed: ${error}.`);
        const ready = status['enabled'] === 'yes';
        let snapshots: ResticSnapshot[];
        try {
          snapshots = (JSON.parse(status['snapshots'] || 'null') as ResticSnapshot[] | null) ?? [];
        } catch {
          throw new AppError('SSH_ERROR', 'The host answered with a snapshot list Hostdeck cannot read.');
        }
        const runs = runsOf(snapshots);
        const sitesIn = (line: string | undefined) => (line ?? '').split(',').filter(Boolean);
        // The host's own state (schedule, checks, copy) is read without --offsite.
        const own = elsewhere ? (await d.runner.status(site.serverId, 'backup')).status : status;
        const schedule = own['schedule'] || null;
        const siteSchedule = (!elsewhere && status['site-schedule']) || null;
        const locks = locksOf(own['locks']);
        const copy = copies.of(site.serverId);
        const offsite: BackupOffsite | null = copy
          ? {
              targetServerId: copy.targetServerId,
              targetName: nameOf(copy.targetServerId),
              lastCopy: checkOf(own['last-copy']),
            }
          : null;
        // The copies this server keeps of other servers, with those servers' sites as Hostdeck knows
        // them: a copy is opened (its password sent to this server) only when one is browsed.
        const kept: SiteBackups['elsewhere'] = copies.keptOn(site.serverId).map((c) => ({
          serverId: c.sourceServerId,
          serverName: nameOf(c.sourceServerId),
          sites: d.sites
            .list()
            .filter((s) => s.serverId === c.sourceServerId)
            .map((s) => s.slug)
            .sort(),
        }));
        return {
          siteId: site.id,
          of,
          sources: sitesIn(own['sites']).filter((x) => x !== site.slug),
          offsite,
          elsewhere: kept,
          locks,
          lockWarning: lockWarning(locks),
          runs,
          // Against the site's own schedule when it has one, else the server's.
          overdue:
            ready && !elsewhere
              ? siteSchedule
                ? overdue(runs, siteSchedule, status['site-schedule-since'] || null)
                : overdue(runs, schedule, own['schedule-since'] || null)
              : null,
          lastFailure: elsewhere ? null : status['last-failure'] || null,
          retention: retentionOf(own['retention']),
          check: checkOf(own['last-check']),
          drill: elsewhere ? null : checkOf(status['last-drill']),
          schedule,
          nextRun: own['next-run'] || null,
          siteSchedule,
          siteNextRun: (!elsewhere && status['site-next-run']) || null,
          ready,
        };
      },
      'backups.restore': (input, ctx) => {
        const site = d.sites.get(input.siteId);
        const parts = input.path
          ? input.path
          : [input.database && 'database', input.files && 'files'].filter(Boolean).join(' and ');
        const elsewhere = input.fromServerId ? copyKeptFor(site.serverId, input.fromServerId) : null;
        const from = [
          ...(input.fromSlug && (input.fromSlug !== site.slug || elsewhere)
            ? ['--from-site', input.fromSlug]
            : []),
          ...(elsewhere?.args ?? []),
        ];
        const stdin = elsewhere ? { stdin: elsewhere.stdin } : {};
        ctx.audit({
          target: site.id,
          detail: {
            domain: site.domain,
            database: input.database,
            files: input.files,
            from: input.fromSlug,
            ...(input.fromServerId ? { fromServer: nameOf(input.fromServerId) } : {}),
            path: input.path,
          },
        });
        const title = input.path ? `Restore ${parts} of` : `Restore the ${parts} of`;
        return siteJob(ctx, input.siteId, 'backup.restore', title, async (job, s) => {
          // The database restore makes the safety backup itself; a files-only restore makes one here.
          if (input.database) {
            await d.runner.run(job, s.serverId, 'backup', 'restore', {
              args: ['--site', s.slug, '--snapshot', input.database, ...from],
              ...stdin,
              stepPrefix: '',
            });
          } else {
            await d.runner.run(job, s.serverId, 'backup', 'run', {
              args: ['--site', s.slug],
              stepPrefix: 'safety backup: ',
            });
          }
          if (input.files && input.path) {
            await d.runner.run(job, s.serverId, 'site', 'recover', {
              args: ['--site', s.slug, '--snapshot', input.files, '--path', input.path, ...from],
              ...stdin,
              stepPrefix: '',
            });
          } else if (input.files) {
            await d.runner.run(job, s.serverId, 'site', 'deploy', {
              args: [
                '--site',
                s.slug,
                '--source',
                'snapshot',
                '--snapshot',
                input.files,
                ...from,
                '--hooks',
                site.type === 'laravel' ? 'laravel' : 'none',
              ],
              ...stdin,
              stepPrefix: '',
            });
            await job.step('Read the site back', async () => {
              const now = await d.sites.refresh(site.id);
              return { state: 'ok', detail: `current release: ${now.live?.release ?? 'unknown'}` };
            });
          }
        });
      },
    },
  };
}
