import type { Database } from './database';

export interface OwnedSecret {
  ownerKind: string;
  ownerId: string;
  purpose: string;
  secretId: string;
}

/**
 * Secrets a capability made for one of its records (the MariaDB admin password of a server), found
 * by the owner's id and the purpose, never by a label a rename changes.
 */
export class OwnedSecrets {
  constructor(private readonly db: Database) {}

  get(ownerKind: string, ownerId: string, purpose: string): string | null {
    const row = this.db
      .prepare(`SELECT secret_id FROM owned_secrets WHERE owner_kind = ? AND owner_id = ? AND purpose = ?`)
      .get(ownerKind, ownerId, purpose) as { secret_id: string } | undefined;
    return row?.secret_id ?? null;
  }

  set(ownerKind: string, ownerId: string, purpose: string, secretId: string): void {
    this.db
      .prepare(
        `INSERT INTO owned_secrets (owner_kind, owner_id, purpose, secret_id) VALUES (?, ?, ?, ?)
         ON CONFLICT (owner_kind, owner_id, purpose) DO UPDATE SET secret_id = excluded.secret_id`,
      )
      .run(ownerKind, ownerId, purpose, secretId);
  }

  /** Every record of `ownerKind` that owns `secretId`, with the purpose. */
  ownersOf(ownerKind: string, secretId: string): { ownerId: string; purpose: string }[] {
    return this.db
      .prepare(
        `SELECT owner_id AS ownerId, purpose FROM owned_secrets WHERE owner_kind = ? AND secret_id = ?`,
      )
      .all(ownerKind, secretId) as { ownerId: string; purpose: string }[];
  }
}
