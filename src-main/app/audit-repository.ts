import type { AuditEntry } from '@contract';
import type { Database } from '../infra/store/database';

export interface AuditRecord {
  actor: string;
  action: string;
  target?: string | null;
  /** Never a secret: record ids, names and fingerprints only. */
  detail?: Record<string, unknown>;
}

/** Append-only audit trail of every change Hostdeck makes. */
export class AuditRepository {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  record(entry: AuditRecord): void {
    this.db
      .prepare(`INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)`)
      .run(
        this.now().toISOString(),
        entry.actor,
        entry.action,
        entry.target ?? null,
        JSON.stringify(entry.detail ?? {}),
      );
  }

  list(opts: { limit: number; beforeId?: number }): AuditEntry[] {
    const rows = this.db
      .prepare(`SELECT * FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?`)
      .all(opts.beforeId ?? Number.MAX_SAFE_INTEGER, opts.limit) as (Omit<AuditEntry, 'detail'> & {
      detail: string;
    })[];
    return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }
}
