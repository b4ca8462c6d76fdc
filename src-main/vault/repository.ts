import type { SecretInfo, SecretKind } from '@contract';
import type { Database } from '../infra/store/database';
import type { KdfParams } from './crypto';

export interface VaultMeta {
  vaultId: string;
  kdf: KdfParams;
  salt: Buffer;
  wrappedKey: Buffer;
  keyCheck: Buffer;
  keychainEnabled: boolean;
}

interface SecretRow {
  id: string;
  kind: SecretKind;
  label: string;
  fingerprint: string | null;
  public_key: string | null;
  sealed: Buffer;
  created_at: string;
  updated_at: string;
}

const toInfo = (r: SecretRow): SecretInfo => ({
  id: r.id,
  kind: r.kind,
  label: r.label,
  fingerprint: r.fingerprint,
  publicKey: r.public_key,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Vault rows: the wrapped data key and sealed secrets. Holds no plaintext, ever. */
/** The vault's one row of metadata as SQLite holds it (tests that tamper with the file read it too). */
export interface VaultMetaRow {
  vault_id: string;
  kdf: string;
  salt: Buffer;
  wrapped_key: Buffer;
  key_check: Buffer;
  keychain_enabled: number;
}

export class VaultRepository {
  constructor(private readonly db: Database) {}

  meta(): VaultMeta | null {
    const row = this.db.prepare(`SELECT * FROM vault_meta WHERE singleton = 1`).get() as
      VaultMetaRow | undefined;
    if (!row) return null;
    return {
      vaultId: row.vault_id,
      kdf: JSON.parse(row.kdf) as KdfParams,
      salt: row.salt,
      wrappedKey: row.wrapped_key,
      keyCheck: row.key_check,
      keychainEnabled: row.keychain_enabled === 1,
    };
  }

  createMeta(meta: VaultMeta, at: string): void {
    this.db
      .prepare(
        `INSERT INTO vault_meta (singleton, vault_id, kdf, salt, wrapped_key, key_check, keychain_enabled, created_at, updated_at)
         VALUES (1, ?, ?, ?, ?, ?, 0, ?, ?)`,
      )
      .run(meta.vaultId, JSON.stringify(meta.kdf), meta.salt, meta.wrappedKey, meta.keyCheck, at, at);
  }

  rewrap(kdf: KdfParams, salt: Buffer, wrappedKey: Buffer, at: string): void {
    this.db
      .prepare(`UPDATE vault_meta SET kdf = ?, salt = ?, wrapped_key = ?, updated_at = ? WHERE singleton = 1`)
      .run(JSON.stringify(kdf), salt, wrappedKey, at);
  }

  setKeychainEnabled(enabled: boolean, at: string): void {
    this.db
      .prepare(`UPDATE vault_meta SET keychain_enabled = ?, updated_at = ? WHERE singleton = 1`)
      .run(enabled ? 1 : 0, at);
  }

  insertSecret(s: Omit<SecretInfo, 'createdAt' | 'updatedAt'> & { sealed: Buffer }, at: string): void {
    this.db
      .prepare(
        `INSERT INTO secrets (id, kind, label, fingerprint, public_key, sealed, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(s.id, s.kind, s.label, s.fingerprint, s.publicKey, s.sealed, at, at);
  }

  sealed(id: string): { kind: SecretKind; sealed: Buffer } | undefined {
    return this.db.prepare(`SELECT kind, sealed FROM secrets WHERE id = ?`).get(id) as
      { kind: SecretKind; sealed: Buffer } | undefined;
  }

  info(id: string): SecretInfo | undefined {
    const row = this.db.prepare(`SELECT * FROM secrets WHERE id = ?`).get(id) as SecretRow | undefined;
    return row && toInfo(row);
  }

  list(): SecretInfo[] {
    return (this.db.prepare(`SELECT * FROM secrets ORDER BY created_at, id`).all() as SecretRow[]).map(
      toInfo,
    );
  }

  remove(id: string): boolean {
    return this.db.prepare(`DELETE FROM secrets WHERE id = ?`).run(id).changes > 0;
  }

  allSealed(): { id: string; kind: SecretKind; sealed: Buffer }[] {
    return this.db.prepare(`SELECT id, kind, sealed FROM secrets`).all() as {
      id: string;
      kind: SecretKind;
      sealed: Buffer;
    }[];
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
