import type { SiteInfo, TenantInfo } from '@contract';
import type { Database } from '../infra/store/database';

/** A site as stored: its SiteInfo minus what is derived when it is read (names, URL). */
export type SiteRecord = Omit<SiteInfo, 'serverName' | 'tenantSlug' | 'tenantName' | 'dbName' | 'url'>;

type Field = keyof Omit<SiteRecord, 'id' | 'createdAt' | 'updatedAt'>;

/** Record fields -> columns; the structured ones are stored as JSON. */
const COLUMNS: Record<Field, string> = {
  serverId: 'server_id',
  tenantId: 'tenant_id',
  slug: 'slug',
  domain: 'domain',
  aliases: 'aliases',
  type: 'type',
  tls: 'tls',
  www: 'www',
  php: 'php',
  port: 'port',
  status: 'status',
  lastError: 'last_error',
  dbSecretId: 'db_secret_id',
  adminSecretId: 'admin_secret_id',
  deployKeySecretId: 'deploy_key_secret_id',
  repo: 'repo',
  branch: 'branch',
  live: 'live',
  wordpress: 'wordpress',
};
const FIELDS = Object.keys(COLUMNS) as Field[];
const JSON_FIELDS = new Set<Field>(['aliases', 'php', 'live', 'wordpress']);
const toColumn = (field: Field, value: unknown) =>
  JSON_FIELDS.has(field) && value !== null && value !== undefined ? JSON.stringify(value) : value;

function toRecord(row: Record<string, unknown>): SiteRecord {
  const rec: Record<string, unknown> = {
    id: row['id'],
    createdAt: row['created_at'],
    updatedAt: row['updated_at'],
  };
  for (const f of FIELDS) {
    const v = row[COLUMNS[f]];
    rec[f] = JSON_FIELDS.has(f) && typeof v === 'string' ? JSON.parse(v) : v;
  }
  return rec as unknown as SiteRecord;
}

const TENANT_SELECT = `SELECT t.id, t.name, t.slug, t.created_at AS createdAt,
       (SELECT COUNT(*) FROM sites s WHERE s.tenant_id = t.id) AS siteCount
  FROM tenants t`;

export class SiteRepository {
  constructor(private readonly db: Database) {}

  list(): SiteRecord[] {
    return (this.db.prepare('SELECT * FROM sites ORDER BY domain').all() as Record<string, unknown>[]).map(
      toRecord,
    );
  }

  get(id: string): SiteRecord | null {
    const row = this.db.prepare('SELECT * FROM sites WHERE id = ?').get(id) as
      Record<string, unknown> | undefined;
    return row ? toRecord(row) : null;
  }

  insert(site: SiteRecord): void {
    const cols = ['id', ...FIELDS.map((f) => COLUMNS[f]), 'created_at', 'updated_at'];
    this.db
      .prepare(`INSERT INTO sites (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)
      .run(site.id, ...FIELDS.map((f) => toColumn(f, site[f])), site.createdAt, site.updatedAt);
  }

  update(id: string, patch: Partial<Pick<SiteRecord, Field>>, now: string): void {
    const fields = (Object.keys(patch) as Field[]).filter((f) => f in COLUMNS);
    if (fields.length === 0) return;
    this.db
      .prepare(
        `UPDATE sites SET ${fields.map((f) => `${COLUMNS[f]} = ?`).join(', ')}, updated_at = ? WHERE id = ?`,
      )
      .run(...fields.map((f) => toColumn(f, patch[f])), now, id);
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM sites WHERE id = ?').run(id);
  }

  // ---- tenants ---------------------------------------------------------------------------------

  tenants(): TenantInfo[] {
    return this.db.prepare(`${TENANT_SELECT} ORDER BY t.name`).all() as TenantInfo[];
  }

  tenant(id: string): TenantInfo | null {
    return (this.db.prepare(`${TENANT_SELECT} WHERE t.id = ?`).get(id) as TenantInfo | undefined) ?? null;
  }

  insertTenant(t: { id: string; name: string; slug: string; createdAt: string }): void {
    this.db
      .prepare('INSERT INTO tenants (id, name, slug, created_at) VALUES (?, ?, ?, ?)')
      .run(t.id, t.name, t.slug, t.createdAt);
  }

  removeTenant(id: string): void {
    this.db.prepare('DELETE FROM tenants WHERE id = ?').run(id);
  }
}
