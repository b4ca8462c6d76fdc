import { z } from 'zod';
import { command } from './define';
import { serverId } from './servers';
import { siteRef, slug } from './sites';

/** One run of a site's backup: its database and files snapshots (restic), as the host lists them. */
export interface BackupRun {
  /** The run's id: the UTC time it started and the host process, e.g. 20261201T120301Z-4242. */
  run: string;
  at: string;
  /** restic snapshot ids (64 hex); null when that part is missing (a run cut short before #13's checks). */
  database: string | null;
  files: string | null;
}

export interface SiteBackups {
  siteId: string;
  /** Newest first. */
  runs: BackupRun[];
  /** The last failed run on the host, "<UTC time> <reason>", or null. */
  lastFailure: string | null;
  /** Whether the host has a repository yet (backups.setup). */
  ready: boolean;
  /** The host's backup timer: its systemd calendar expression and next run, as systemd says. */
  schedule: string | null;
  nextRun: string | null;
  /** The site's own schedule (backups.schedule), instead of the server's, and its next run; or null. */
  siteSchedule: string | null;
  siteNextRun: string | null;
  /** The retention the host's scheduled prune applies (null before the first setup). */
  retention: BackupRetention | null;
  /** The run list is of this site (its slug), or of another one's backups (`fromSlug`). */
  of: string;
  /** Other sites the server's repository has backups of (deleted ones too), to restore from. */
  sources: string[];
  /** The host's last check of its repository (restic check, sometimes with data read back). */
  check: BackupCheck | null;
  /**
   * The site's last restore drill: a run restored into a scratch copy (database, files), served and
   * removed. `detail` names the run and what was restored, or what failed.
   */
  drill: BackupCheck | null;
  /** The repository's locks: the owning process, its host, since when, and whether it still runs. */
  locks: BackupLock[];
  /** A lock that needs a look, in one sentence (a stale one, or one held for hours), or null. */
  lockWarning: string | null;
  /** The server's repository copied to another server over SFTP (backups.offsite), or null. */
  offsite: BackupOffsite | null;
  /**
   * Copies of other servers' backups this site's server keeps: their sites can be restored into
   * this site (fromServerId and fromSlug), while the other server is down too.
   */
  elsewhere: { serverId: string; serverName: string; sites: string[] }[];
  /**
   * Why the operator should look, in one sentence: no backup yet, or the newest good one is older
   * than its schedule plus a grace period. Null while all is well (a failure is `lastFailure`).
   */
  overdue: string | null;
}

/** A restic lock on a server's repository, as the host judged it. */
export interface BackupLock {
  pid: number;
  host: string;
  since: string;
  /** alive: its process runs; gone: it does not (stale: the next run removes it); elsewhere: another host's. */
  state: 'alive' | 'gone' | 'elsewhere';
}

/** Where a server's backups are copied, and how the last copy went. */
export interface BackupOffsite {
  targetServerId: string;
  targetName: string;
  /** The host's record of its last copy: detail "N new snapshot(s) to …" or the failure. */
  lastCopy: BackupCheck | null;
}

/** A check the host ran and recorded: when, whether it passed, and what it found. */
export interface BackupCheck {
  at: string;
  ok: boolean;
  /** What was checked and, on failure, what was found. */
  detail: string;
}

/** systemd calendar expressions Hostdeck writes (the host checks them again with systemd-analyze). */
export const backupSchedule = z
  .string()
  .regex(
    /^(hourly|daily|weekly|monthly|[*0-9,/-]{1,20} [*0-9,/:-]{1,20}|[A-Z][a-z]{2}(,[A-Z][a-z]{2}){0,6} [*0-9,/:-]{1,20})$/,
    "a systemd calendar expression: daily, weekly, or like '*-*-* 03:00:00'",
  );

const keep = (min: number) => z.number().int().min(min).max(999);
/** How many runs restic keeps per site: the newest N, and one per day, week and month for so many. */
export const backupRetention = z
  .object({ last: keep(1), daily: keep(0), weekly: keep(0), monthly: keep(0) })
  .strict();
export type BackupRetention = z.infer<typeof backupRetention>;

export const backupsList = siteRef
  .extend({
    fromSlug: slug.optional(),
    /** With fromSlug: the site is of this other server, read from its copy on this site's server. */
    fromServerId: serverId.optional(),
  })
  .strict()
  .refine((r) => !r.fromServerId || r.fromSlug, {
    message: "name the other server's site (fromSlug)",
    path: ['fromSlug'],
  });

export const backupsSchedule = siteRef.extend({ schedule: backupSchedule.nullable() }).strict();

export const backupsOffsite = z
  .object({
    serverId,
    /** The server that keeps the copy; null stops copying (what it has stays there). */
    targetServerId: serverId.nullable(),
  })
  .strict()
  .refine((r) => r.targetServerId !== r.serverId, {
    message: 'a copy on the same server is not offsite: choose another server',
    path: ['targetServerId'],
  });

export const backupsSetup = z
  .object({ serverId, schedule: backupSchedule.default('daily'), retention: backupRetention.optional() })
  .strict();
const snapshotId = z.string().regex(/^[0-9a-f]{8,64}$/, 'expected a snapshot id');
/** A path the site's tenant owns (the host checks it again): current/…, shared/uploads/…, shared/storage/…. */
export const recoverPath = z
  .string()
  .max(1024)
  .regex(
    // eslint-disable-next-line no-control-regex -- control characters are what this refuses
    /^(current|shared\/uploads|shared\/storage)(\/[^/$\x00-\x1f\x7f-\x9f]+)*$/,
    'a path like current/public/index.php, shared/uploads/2026/photo.jpg or shared/storage/app',
  )
  .refine((p) => !p.split('/').some((x) => x === '.' || x === '..'), { message: "no '.' or '..' in it" });
/** What to put back from a run: its database snapshot, its files snapshot, or both. */
export const backupsRestore = z
  .object({
    siteId: siteRef.shape.siteId,
    database: snapshotId.nullable().default(null),
    files: snapshotId.nullable().default(null),
    /** The site the run is of, when not this one: another site of the server, or a deleted one. */
    fromSlug: slug.optional(),
    /** With fromSlug: a site of another server, from that server's copy kept on this site's server. */
    fromServerId: serverId.optional(),
    /**
     * With fromSlug: the operator confirms that the other site's files, database and code (which
     * may be another customer's) are handed to this site's tenant.
     */
    handOver: z.boolean().optional(),
    /**
     * Only this file or folder of the files snapshot, relative to the site: current/…,
     * shared/uploads/… or shared/storage/… (what the tenant owns), merged into place.
     */
    path: recoverPath.optional(),
  })
  .strict()
  .refine((r) => r.database !== null || r.files !== null, {
    message: 'choose the database, the files or both',
    path: ['database'],
  })
  .refine((r) => !r.fromSlug || r.handOver === true, {
    message:
      "restoring another site's backup hands its files, database and code to this site's tenant: confirm it",
    path: ['handOver'],
  })
  .refine((r) => !r.fromServerId || r.fromSlug, {
    message: "name the other server's site (fromSlug)",
    path: ['fromSlug'],
  })
  .refine((r) => !r.path || (r.files !== null && r.database === null), {
    message: 'a single file or folder comes from the files snapshot only',
    path: ['path'],
  });

/** The backups slice of the contract: its commands (with their traits) and events. */
export const backupsCommands = {
  'backups.setup': command<{ jobId: string }>()(
    backupsSetup,
    "Install restic and make the server's encrypted repository (its password kept in the vault), or change its schedule and retention, as a job.",
    { audit: 'backup.setup' },
  ),
  'backups.run': command<{ jobId: string }>()(
    siteRef,
    'Back a site up now (database streamed, files), as a job; a failed stage keeps nothing.',
    { audit: 'backup.run' },
  ),
  'backups.pull': command<{ jobId: string }>()(
    backupsSetup.pick({ serverId: true }).strict(),
    "Copy the server's repository to this laptop (only files it lacks, each checked against its hash), as a job.",
    { audit: 'backup.pull' },
  ),
  'backups.check': command<{ jobId: string }>()(
    backupsSetup.pick({ serverId: true }).strict(),
    "Check the server's repository (restic check) and read a tenth of its data back, as a job.",
    { audit: 'backup.check' },
  ),
  'backups.drill': command<{ jobId: string }>()(
    siteRef,
    "Prove a site's newest backup restores: its database and files restored into a scratch copy, its home page served, then removed, as a job.",
    { audit: 'backup.drill' },
  ),
  'backups.schedule': command<{ jobId: string }>()(
    backupsSchedule,
    "Give a site a backup schedule of its own (a timer of its own on the host, instead of the server's), or put it back on the server's with null, as a job.",
    { audit: 'backup.schedule' },
  ),
  'backups.offsite': command<{ jobId: string }>()(
    backupsOffsite,
    "Copy a server's backups to another server over SFTP after every scheduled run (an account there that can do nothing but SFTP into its own folder), or stop copying, as a job; it makes the first copy.",
    { audit: 'backup.offsite' },
  ),
  'backups.copy': command<{ jobId: string }>()(
    backupsSetup.pick({ serverId: true }).strict(),
    "Bring a server's offsite copy up to date now (only what the copy lacks), as a job.",
    { audit: 'backup.copy' },
  ),
  'backups.list': command<SiteBackups>()(
    backupsList,
    "A site's backup runs (or, with fromSlug, another site's of the same server), newest first, read from its host.",
    { passive: true },
  ),
  'backups.restore': command<{ jobId: string }>()(
    backupsRestore,
    "Put a run's database and/or files back (after a safety backup of the current state), as a job: the files come back as a new release (one rollback away from the current one) with the site's uploads or storage.",
    { audit: 'backup.restore' },
  ),
} as const;
