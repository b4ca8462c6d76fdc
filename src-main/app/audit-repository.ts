import type { AuditEntry, AuditVerification } from '@contract';
import type { Database } from '../infra/store/database';
import { entryHash, GENESIS, headData, verifyChain } from './audit-chain';
import type { ChainedRow, SignedHead } from './audit-chain';

export interface AuditRecord {
  actor: string;
  action: string;
  target?: string | null;
  /** Never a secret: record ids, names and fingerprints only. */
  detail?: Record<string, unknown>;
}

/** The vault's MAC over the chain head; both answer null / false while the vault is locked. */
export interface HeadSigner {
  sign(data: string): string | null;
  verify(data: string, mac: string): boolean | null;
  vaultExists(): boolean;
}

/**
 * Append-only audit trail of every change Hostdeck makes, tamper-evident: each entry is chained to
 * the one before by SHA-256, and the head is signed with a key from the vault (while it is unlocked),
 * so editing, removing or reordering any entry, or truncating the table, is reported by verify().
 */
export class AuditRepository {
  constructor(
    private readonly db: Database,
    private readonly signer: HeadSigner,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.chainUnchained();
  }

  record(entry: AuditRecord): void {
    this.db.transaction(() => {
      const last = this.db.prepare(`SELECT hash FROM audit ORDER BY id DESC LIMIT 1`).get() as
        { hash: string | null } | undefined;
      const row = {
        at: this.now().toISOString(),
        actor: entry.actor,
        action: entry.action,
        target: entry.target ?? null,
        detail: JSON.stringify(entry.detail ?? {}),
        prev_hash: last?.hash ?? GENESIS,
      };
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO audit (at, actor, action, target, detail, prev_hash) VALUES (@at, @actor, @action, @target, @detail, @prev_hash)`,
          )
          .run(row).lastInsertRowid,
      );
      const hash = entryHash({ id, ...row });
      this.db.prepare(`UPDATE audit SET hash = ? WHERE id = ?`).run(hash, id);
      this.signHead(id, hash);
    })();
  }

  list(opts: { limit: number; beforeId?: number }): AuditEntry[] {
    const rows = this.db
      .prepare(
        `SELECT id, at, actor, action, target, detail FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?`,
      )
      .all(opts.beforeId ?? Number.MAX_SAFE_INTEGER, opts.limit) as (Omit<AuditEntry, 'detail'> & {
      detail: string;
    })[];
    return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }

  /** Entries about any of `targets` recorded in [from, to] (ISO times), oldest first. */
  touching(targets: string[], from: string, to: string, limit = 20): AuditEntry[] {
    if (targets.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT id, at, actor, action, target, detail FROM audit
         WHERE target IN (${targets.map(() => '?').join(',')}) AND at >= ? AND at <= ? ORDER BY id DESC LIMIT ?`,
      )
      .all(...targets, from, to, limit) as (Omit<AuditEntry, 'detail'> & { detail: string })[];
    return rows.reverse().map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }

  verify(): AuditVerification {
    const rows = this.db.prepare(`SELECT * FROM audit ORDER BY id`).iterate() as Iterable<ChainedRow>;
    return verifyChain(rows, this.head(), {
      vaultExists: this.signer.vaultExists(),
      verifyMac: (data, mac) => this.signer.verify(data, mac),
    });
  }

  /**
   * The vault was unlocked: sign the current head if the chain is whole (a head left 'legacy' by the
   * upgrade, or behind because entries were written while locked). A broken chain is never signed.
   */
  resign(): void {
    const last = this.db.prepare(`SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1`).get() as
      { id: number; hash: string } | undefined;
    if (!last || !this.verify().ok) return;
    this.signHead(last.id, last.hash);
  }

  private head(): SignedHead | null {
    const row = this.db.prepare(`SELECT entry_id, hash, mac FROM audit_head WHERE one = 1`).get() as
      { entry_id: number; hash: string; mac: string } | undefined;
    return row ? { entryId: row.entry_id, hash: row.hash, mac: row.mac } : null;
  }

  private signHead(entryId: number, hash: string): void {
    const mac = this.signer.sign(headData(entryId, hash));
    if (mac === null) return; // locked: the next unlock signs it
    this.db
      .prepare(
        `INSERT INTO audit_head (one, entry_id, hash, mac) VALUES (1, ?, ?, ?)
         ON CONFLICT (one) DO UPDATE SET entry_id = excluded.entry_id, hash = excluded.hash, mac = excluded.mac`,
      )
      .run(entryId, hash, mac);
  }

  /** Entries written before the chain existed (migration 6) are chained once, in order. */
  private chainUnchained(): void {
    const rows = this.db.prepare(`SELECT * FROM audit WHERE hash IS NULL ORDER BY id`).all() as ChainedRow[];
    if (rows.length === 0) return;
    this.db.transaction(() => {
      const first = rows[0]!;
      const before = this.db
        .prepare(`SELECT hash FROM audit WHERE id < ? ORDER BY id DESC LIMIT 1`)
        .get(first.id) as { hash: string } | undefined;
      let prev = before?.hash ?? GENESIS;
      const update = this.db.prepare(`UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?`);
      for (const row of rows) {
        const hash = entryHash({ ...row, prev_hash: prev });
        update.run(prev, hash, row.id);
        prev = hash;
      }
    })();
  }
}
