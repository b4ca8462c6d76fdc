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

/** What a series measures: the server itself, one of its sites, or one of its mounts. */
type Kind = 'server' | 'site' | 'mount';
/** The value columns of each kind, in the order of the points table's v0, v1, … */
const VALUES: Record<Kind, readonly string[]> = {
  server: ['cpu', 'load1', 'mem', 'swap', 'disk', 'inodes', 'rx', 'tx', 'failed'],
  site: ['up', 'cpu', 'mem'],
  mount: ['used', 'avail', 'inodes'],
};
/**
 * Values are kept as integers (SQLite stores a small one in 1-3 bytes, a REAL always in 8): shares
 * and cores in thousandths, load in hundredths, bytes and counts as they are.
 */
const SCALE: Record<Kind, readonly number[]> = {
  server: [1000, 100, 1000, 1000, 1000, 1000, 1, 1, 1],
  site: [1000, 1000, 1],
  mount: [1000, 1, 1000],
};
const COLUMNS = ['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8'];

/** A mount's free bytes as a line over time: `meanAvail` at `meanAt`, changing by `slopePerMs`. */
export interface MountTrend {
  points: number;
  spanMs: number;
  /** Bytes per ms; negative while the mount fills. */
  slopePerMs: number;
  meanAt: number;
  meanAvail: number;
}

/** Above this many points a range is read one resolution coarser (a week of minutes still fits). */
const MAX_POINTS = 11_000;

/**
 * Points are kept by an integer series id (a server, site or mount of a server) and time in
 * seconds: a row is its few numbers, not a 36-character server id twice (key and index).
 */
export class MonitorStore {
  private readonly insertPoint;
  private readonly upsertLatest;
  private readonly findSeries;
  private readonly makeSeries;
  private readonly ids = new Map<string, number>();
  private readonly allSeries;
  private readonly trend;
  private readonly rollups: ((series: number, now: number) => void)[] = [];
  private readonly prunes: ((series: number, now: number) => void)[] = [];
  private prunedAt = 0;

  constructor(private readonly db: Database) {
    this.insertPoint = db.prepare(
      `INSERT OR REPLACE INTO monitor_points (series, res, at, ${COLUMNS.join(', ')}) VALUES (?, 0, ?, ${COLUMNS.map(() => '?').join(', ')})`,
    );
    this.findSeries = db.prepare(
      `SELECT id FROM monitor_series WHERE server_id = ? AND kind = ? AND key = ?`,
    );
    this.makeSeries = db.prepare(
      `INSERT INTO monitor_series (server_id, kind, key) VALUES (?, ?, ?) RETURNING id`,
    );
    // Rollups and prunes go series by series along the primary key (series, res, at): no second
    // index over every point (it took a third of the store).
    this.allSeries = db.prepare(`SELECT id FROM monitor_series`);
    this.trend = db.prepare(
      `SELECT count(*) AS n, min(at) AS first, max(at) AS last, avg(at - @base) AS mt, avg(v1) AS my,
              sum((at - @base) * (at - @base)) AS sxx, sum((at - @base) * v1) AS sxy
       FROM monitor_points WHERE series = @series AND res = 0 AND at >= @base AND v1 IS NOT NULL`,
    );
    for (let i = 1; i < RESOLUTIONS.length; i++) {
      const finer = RESOLUTIONS[i - 1]!;
      const res = RESOLUTIONS[i]!.res / 1000;
      // Each bucket of `res` seconds gets the average of the finer rows in it.
      const stmt = db.prepare(
        `INSERT OR REPLACE INTO monitor_points (series, res, at, ${COLUMNS.join(', ')})
         SELECT series, ${res}, (at / ${res}) * ${res}, ${COLUMNS.map((c) => `CAST(round(avg(${c})) AS INTEGER)`).join(', ')}
         FROM monitor_points WHERE series = @series AND res = ${finer.res / 1000} AND at >= @from AND at < @to
         GROUP BY at / ${res}`,
      );
      const newest = db.prepare(`SELECT max(at) AS at FROM monitor_points WHERE series = ? AND res = ${res}`);
      // Redone from the newest bucket this resolution has (or from as far back as the finer keeps).
      const doneTo = new Map<number, number>();
      this.rollups.push((series, nowMs) => {
        const now = Math.floor(nowMs / 1000);
        const from =
          doneTo.get(series) ?? (newest.get(series) as { at: number | null }).at ?? now - finer.keep / 1000;
        stmt.run({ series, from, to: now + 1 });
        doneTo.set(series, Math.floor(now / res) * res);
      });
    }
    for (const r of RESOLUTIONS) {
      const stmt = db.prepare(
        `DELETE FROM monitor_points WHERE series = ? AND res = ${r.res / 1000} AND at < ?`,
      );
      this.prunes.push((series, now) => stmt.run(series, Math.floor((now - r.keep) / 1000)));
    }
    this.upsertLatest = db.prepare(
      `INSERT INTO monitor_latest (server_id, at, state) VALUES (?, ?, ?)
       ON CONFLICT (server_id) DO UPDATE SET at = excluded.at, state = excluded.state`,
    );
  }

  /** The id of a series, made on first use when `create`; null when it has none yet. */
  private seriesId(serverId: string, kind: Kind, key: string, create: boolean): number | null {
    const name = `${serverId}\0${kind}\0${key}`;
    let id = this.ids.get(name);
    if (id === undefined) {
      const row = (this.findSeries.get(serverId, kind, key) ??
        (create ? this.makeSeries.get(serverId, kind, key) : undefined)) as { id: number } | undefined;
      if (!row) return null;
      id = row.id;
      this.ids.set(name, id);
    }
    return id;
  }

  private put(serverId: string, kind: Kind, key: string, atMs: number, values: (number | null)[]): void {
    const id = this.seriesId(serverId, kind, key, true)!;
    const scale = SCALE[kind];
    const stored = COLUMNS.map((_, i) => {
      const v = values[i];
      return v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * scale[i]!);
    });
    this.insertPoint.run(id, Math.floor(atMs / 1000), ...stored);
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
      const point = [s.cpu, s.load1, s.mem, s.swap, s.disk, s.inodes, s.rx, s.tx, s.failed];
      this.put(serverId, 'server', '', s.at, point);
      for (const p of sites) this.put(serverId, 'site', p.slug, p.at, [p.up, p.cpu, p.memBytes]);
      for (const m of mounts)
        this.put(serverId, 'mount', m.mount, m.at, [m.used, m.availableBytes, m.inodes]);
      this.upsertLatest.run(serverId, s.at, JSON.stringify(latest));
    })();
  }

  /**
   * Rolls the finer rows up into every bucket since the last call (the current one is redone next
   * time, until it is complete), and drops what is older than each resolution keeps.
   */
  maintain(now: number): void {
    const series = (this.allSeries.all() as { id: number }[]).map((r) => r.id);
    // Pruning is not urgent: once a minute is enough.
    const prune = now - this.prunedAt >= MINUTE;
    if (prune) this.prunedAt = now;
    this.db.transaction(() => {
      for (const id of series) {
        // Rollups go finer to coarser, so an hour is averaged from minutes that are up to date.
        for (const rollup of this.rollups) rollup(id, now);
        if (prune) for (const p of this.prunes) p(id, now);
      }
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
    return this.read(serverId, 'server', '', from, to, now);
  }

  siteSeries(serverId: string, site: string, from: number, to: number, now = Date.now()): MonitorSeries {
    return this.read(serverId, 'site', site, from, to, now);
  }

  /**
   * The least-squares line through a mount's free bytes at raw resolution since `from` (for the
   * disk forecast), summed by SQLite rather than read point by point: null without points. Times
   * are taken from `from` so the sums stay well within a double's precision.
   */
  mountTrend(serverId: string, mount: string, from: number): MountTrend | null {
    const id = this.seriesId(serverId, 'mount', mount, false);
    if (id === null) return null;
    const base = Math.floor(from / 1000);
    const r = this.trend.get({ series: id, base }) as {
      n: number;
      first: number | null;
      last: number | null;
      mt: number | null;
      my: number | null;
      sxx: number | null;
      sxy: number | null;
    };
    if (!r.n) return null;
    const [, avail] = SCALE.mount;
    const den = r.sxx! - r.n * r.mt! ** 2;
    const perSecond = den > 0 ? (r.sxy! - r.n * r.mt! * r.my!) / den : 0;
    return {
      points: r.n,
      spanMs: (r.last! - r.first!) * 1000,
      slopePerMs: perSecond / avail! / 1000,
      meanAt: (base + r.mt!) * 1000,
      meanAvail: r.my! / avail!,
    };
  }

  /** Everything stored for a server goes with it. */
  forget(serverId: string): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `DELETE FROM monitor_points WHERE series IN (SELECT id FROM monitor_series WHERE server_id = ?)`,
        )
        .run(serverId);
      this.db.prepare(`DELETE FROM monitor_series WHERE server_id = ?`).run(serverId);
      this.db.prepare(`DELETE FROM monitor_latest WHERE server_id = ?`).run(serverId);
    })();
    for (const name of [...this.ids.keys()]) if (name.startsWith(`${serverId}\0`)) this.ids.delete(name);
  }

  /** Points kept per kind and resolution (for the benchmark and the store's bound). */
  counts(): Record<string, number> {
    const rows = this.db
      .prepare(
        `SELECT s.kind AS kind, p.res AS res, count(*) AS n
         FROM monitor_points p JOIN monitor_series s ON s.id = p.series GROUP BY s.kind, p.res`,
      )
      .all() as { kind: Kind; res: number; n: number }[];
    const out: Record<string, number> = {};
    for (const kind of Object.keys(VALUES) as Kind[])
      for (const r of RESOLUTIONS)
        out[`${kind}.${r.step}`] = rows.find((x) => x.kind === kind && x.res === r.res / 1000)?.n ?? 0;
    return out;
  }

  private read(
    serverId: string,
    kind: Kind,
    key: string,
    from: number,
    to: number,
    now: number,
  ): MonitorSeries {
    const span = to - from;
    const step =
      // (a minute of slack: "the last 24 h" asked a moment ago is still raw)
      RESOLUTIONS.find(
        (r) => from >= now - r.keep - MINUTE && span / Math.max(r.res, 15_000) <= MAX_POINTS,
      ) ?? RESOLUTIONS[RESOLUTIONS.length - 1]!;
    const names = VALUES[kind];
    const id = this.seriesId(serverId, kind, key, false);
    const rows =
      id === null
        ? []
        : (this.db
            .prepare(
              `SELECT at, ${names.map((_, i) => `v${i}`).join(', ')} FROM monitor_points
               WHERE series = ? AND res = ? AND at >= ? AND at <= ? ORDER BY at`,
            )
            .all(id, step.res / 1000, Math.floor(from / 1000), Math.ceil(to / 1000)) as Record<
            string,
            number | null
          >[]);
    const values: Record<string, (number | null)[]> = {};
    const scale = SCALE[kind];
    names.forEach((name, i) => {
      values[name] = rows.map((r) => {
        const v = r[`v${i}`];
        return v === null || v === undefined ? null : v / scale[i]!;
      });
    });
    return { step: step.step, at: rows.map((r) => r['at']!), values };
  }
}
