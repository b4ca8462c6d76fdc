// The local store of samples: raw 15 s points for 24 hours, per-minute averages for 7 days and
// per-hour averages for 90 days, so its size is bounded by the fleet, not by time. Rollups are SQL
// over the finer rows (idempotent: a bucket is recomputed until it is complete).
import type { MonitorLatest, MonitorSeries } from '@contract';
import type { Database } from '../infra/store/database';
import type { MountPoint, ServerPoint, SitePoint } from './sample';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Resolutions kept: `res` is the bucket in ms (0 = raw samples), `keep` how long. */
export const RESOLUTIONS = [
  { step: 'raw', res: 0, keep: DAY },
  { step: 'minute', res: MINUTE, keep: 7 * DAY },
  { step: 'hour', res: HOUR, keep: 90 * DAY },
] as const;

interface Table {
  name: string;
  /** Columns that name what is measured besides the server (a site, a mount). */
  keys: string[];
  values: string[];
}
const SERVER: Table = {
  name: 'monitor_samples',
  keys: [],
  values: ['cpu', 'load1', 'mem', 'swap', 'disk', 'inodes', 'rx', 'tx', 'failed'],
};
const SITE: Table = { name: 'monitor_site_samples', keys: ['site'], values: ['up', 'cpu', 'mem'] };
const MOUNT: Table = { name: 'monitor_mount_samples', keys: ['mount'], values: ['used', 'avail', 'inodes'] };
const TABLES = [SERVER, SITE, MOUNT];

/** Above this many points a range is read one resolution coarser (a week of minutes still fits). */
const MAX_POINTS = 11_000;

export class MonitorStore {
  private readonly insertServer;
  private readonly insertSite;
  private readonly insertMount;
  private readonly upsertLatest;
  private readonly rollups: ((now: number) => void)[];
  private readonly prunes: ((now: number) => void)[];

  constructor(private readonly db: Database) {
    this.insertServer = db.prepare(
      `INSERT OR REPLACE INTO monitor_samples (server_id, res, at, cpu, load1, mem, swap, disk, inodes, rx, tx, failed)
       VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertSite = db.prepare(
      `INSERT OR REPLACE INTO monitor_site_samples (server_id, site, res, at, up, cpu, mem) VALUES (?, ?, 0, ?, ?, ?, ?)`,
    );
    this.insertMount = db.prepare(
      `INSERT OR REPLACE INTO monitor_mount_samples (server_id, mount, res, at, used, avail, inodes) VALUES (?, ?, 0, ?, ?, ?, ?)`,
    );
    this.rollups = [];
    this.prunes = [];
    for (const t of TABLES) {
      const keys = ['server_id', ...t.keys].join(', ');
      for (let i = 1; i < RESOLUTIONS.length; i++) {
        const finer = RESOLUTIONS[i - 1]!.res;
        const res = RESOLUTIONS[i]!.res;
        // Each bucket of `res` ms gets the average of the finer rows in it.
        const stmt = db.prepare(
          `INSERT OR REPLACE INTO ${t.name} (${keys}, res, at, ${t.values.join(', ')})
           SELECT ${keys}, ${res}, (at / ${res}) * ${res}, ${t.values.map((v) => `avg(${v})`).join(', ')}
           FROM ${t.name} WHERE res = ${finer} AND at >= @from AND at < @to
           GROUP BY ${keys}, at / ${res}`,
        );
        const newest = db.prepare(`SELECT max(at) AS at FROM ${t.name} WHERE res = ${res}`);
        // Redone from the newest bucket this resolution has (or from as far back as the finer keeps).
        let doneTo: number | null = null;
        this.rollups.push((now) => {
          const from = doneTo ?? (newest.get() as { at: number | null }).at ?? now - RESOLUTIONS[i - 1]!.keep;
          stmt.run({ from, to: now + 1 });
          doneTo = Math.floor(now / res) * res;
        });
      }
      for (const r of RESOLUTIONS) {
        const stmt = db.prepare(`DELETE FROM ${t.name} WHERE res = ${r.res} AND at < ?`);
        this.prunes.push((now) => stmt.run(now - r.keep));
      }
    }
    this.upsertLatest = db.prepare(
      `INSERT INTO monitor_latest (server_id, at, state) VALUES (?, ?, ?)
       ON CONFLICT (server_id) DO UPDATE SET at = excluded.at, state = excluded.state`,
    );
  }

  /** Stores one sample of a server: its point, its sites' and its mounts', and its latest state. */
  add(
    serverId: string,
    server: ServerPoint,
    sites: SitePoint[],
    mounts: MountPoint[],
    latest: MonitorLatest,
  ): void {
    this.db.transaction(() => {
      const s = server;
      this.insertServer.run(
        serverId,
        s.at,
        s.cpu,
        s.load1,
        s.mem,
        s.swap,
        s.disk,
        s.inodes,
        s.rx,
        s.tx,
        s.failed,
      );
      for (const p of sites) this.insertSite.run(serverId, p.slug, p.at, p.up, p.cpu, p.memBytes);
      for (const m of mounts)
        this.insertMount.run(serverId, m.mount, m.at, m.used, m.availableBytes, m.inodes);
      this.upsertLatest.run(serverId, s.at, JSON.stringify(latest));
    })();
  }

  /**
   * Rolls the finer rows up into every bucket since the last call (the current one is redone next
   * time, until it is complete), and drops what is older than each resolution keeps.
   */
  maintain(now: number): void {
    this.db.transaction(() => {
      // Rollups go finer to coarser, so an hour is averaged from minutes that are up to date.
      for (const rollup of this.rollups) rollup(now);
      for (const prune of this.prunes) prune(now);
    })();
  }

  latest(serverId: string): MonitorLatest | null {
    const row = this.db.prepare(`SELECT state FROM monitor_latest WHERE server_id = ?`).get(serverId) as
      { state: string } | undefined;
    return row ? (JSON.parse(row.state) as MonitorLatest) : null;
  }

  /** The newest stored sample time of each server (epoch ms). */
  sampledAt(): Map<string, number> {
    const rows = this.db.prepare(`SELECT server_id, at FROM monitor_latest`).all() as {
      server_id: string;
      at: number;
    }[];
    return new Map(rows.map((r) => [r.server_id, r.at]));
  }

  /** A server's series over [from, to]: the finest resolution still kept there, within MAX_POINTS. */
  series(serverId: string, from: number, to: number, now = Date.now()): MonitorSeries {
    return this.read(SERVER, [serverId], from, to, now);
  }

  siteSeries(serverId: string, site: string, from: number, to: number, now = Date.now()): MonitorSeries {
    return this.read(SITE, [serverId, site], from, to, now);
  }

  /** A mount's used share and free bytes at raw resolution since `from` (for the disk forecast). */
  mountSeries(serverId: string, mount: string, from: number): { at: number; used: number; avail: number }[] {
    return this.db
      .prepare(
        `SELECT at, used, avail FROM monitor_mount_samples WHERE server_id = ? AND mount = ? AND res = 0 AND at >= ? ORDER BY at`,
      )
      .all(serverId, mount, from) as { at: number; used: number; avail: number }[];
  }

  /** Everything stored for a server goes with it. */
  forget(serverId: string): void {
    this.db.transaction(() => {
      for (const t of [...TABLES.map((t) => t.name), 'monitor_latest'])
        this.db.prepare(`DELETE FROM ${t} WHERE server_id = ?`).run(serverId);
    })();
  }

  /** Rows kept per resolution (for the benchmark and the store's bound). */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const t of TABLES) {
      for (const r of RESOLUTIONS) {
        const row = this.db.prepare(`SELECT count(*) AS n FROM ${t.name} WHERE res = ?`).get(r.res) as {
          n: number;
        };
        out[`${t.name}.${r.step}`] = row.n;
      }
    }
    return out;
  }

  private read(t: Table, key: string[], from: number, to: number, now: number): MonitorSeries {
    const span = to - from;
    const step =
      RESOLUTIONS.find((r) => from >= now - r.keep && span / Math.max(r.res, 15_000) <= MAX_POINTS) ??
      RESOLUTIONS[RESOLUTIONS.length - 1]!;
    const where = ['server_id = ?', ...t.keys.map((k) => `${k} = ?`)].join(' AND ');
    const rows = this.db
      .prepare(
        `SELECT at, ${t.values.join(', ')} FROM ${t.name} WHERE ${where} AND res = ? AND at >= ? AND at <= ? ORDER BY at`,
      )
      .all(...key, step.res, from, to) as Record<string, number | null>[];
    const values: Record<string, (number | null)[]> = {};
    for (const v of t.values) values[v] = rows.map((r) => r[v] ?? null);
    return { step: step.step, at: rows.map((r) => Math.floor(r['at']! / 1000)), values };
  }
}
