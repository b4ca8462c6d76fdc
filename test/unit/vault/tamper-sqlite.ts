import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { dataKeyAad, deriveKey, open, unpackSealed } from '../../../src-main/vault/crypto';
import type { KdfParams } from '../../../src-main/vault/crypto';
import type { VaultMetaRow } from '../../../src-main/vault/repository';

/**
 * Edits a Hostdeck database the way an attacker with file access would: through a second, ordinary
 * SQLite connection (WAL mode lets it run next to the app's own connection), bypassing the app.
 */
export function withDatabase<T>(file: string, fn: (db: Database) => T): T {
  const db = new BetterSqlite3(file);
  try {
    db.pragma('busy_timeout = 5000');
    return fn(db);
  } finally {
    db.close();
  }
}

const flip = (blob: Buffer, offset: number) => {
  const copy = Buffer.from(blob);
  const at = offset < 0 ? copy.length + offset : offset;
  if (at < 0 || at >= copy.length) throw new Error(`offset ${offset} outside a ${copy.length}-byte blob`);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
};

/** Packed sealed layout (src-main/vault/crypto.ts packSealed): iv 0-11, tag 12-27, ciphertext 28+. */
export const sealedParts = { iv: 0, tag: 12, ciphertext: 28, lastCiphertextByte: -1 } as const;

export function flipSecretByte(file: string, id: string, offset: number): void {
  withDatabase(file, (db) => {
    const row = db.prepare('SELECT sealed FROM secrets WHERE id = ?').get(id) as { sealed: Buffer };
    db.prepare('UPDATE secrets SET sealed = ? WHERE id = ?').run(flip(row.sealed, offset), id);
  });
}

export function setSecretSealed(file: string, id: string, sealed: Buffer): void {
  withDatabase(file, (db) => db.prepare('UPDATE secrets SET sealed = ? WHERE id = ?').run(sealed, id));
}

export function flipWrappedKeyByte(file: string, offset: number): void {
  withDatabase(file, (db) => {
    const row = db.prepare('SELECT wrapped_key FROM vault_meta').get() as { wrapped_key: Buffer };
    db.prepare('UPDATE vault_meta SET wrapped_key = ?').run(flip(row.wrapped_key, offset));
  });
}

export function swapSealed(file: string, a: string, b: string): void {
  withDatabase(file, (db) => {
    const get = db.prepare('SELECT sealed FROM secrets WHERE id = ?');
    const set = db.prepare('UPDATE secrets SET sealed = ? WHERE id = ?');
    const sa = (get.get(a) as { sealed: Buffer }).sealed;
    const sb = (get.get(b) as { sealed: Buffer }).sealed;
    db.transaction(() => {
      set.run(sb, a);
      set.run(sa, b);
    })();
  });
}

export function setSecretKind(file: string, id: string, kind: string): void {
  withDatabase(file, (db) => db.prepare('UPDATE secrets SET kind = ? WHERE id = ?').run(kind, id));
}

/** id → sealed blob, for byte-for-byte comparisons. */
export function sealedBlobs(file: string): Map<string, Buffer> {
  return withDatabase(
    file,
    (db) =>
      new Map(
        (db.prepare('SELECT id, sealed FROM secrets').all() as { id: string; sealed: Buffer }[]).map((r) => [
          r.id,
          Buffer.from(r.sealed),
        ]),
      ),
  );
}

export const vaultMetaRow = (file: string) =>
  withDatabase(file, (db) => db.prepare('SELECT * FROM vault_meta').get() as VaultMetaRow | undefined);

/**
 * Unwraps the data key from the file with the master password, independently of VaultService: used to
 * check that the key never changes on a password change and is never written anywhere in the clear.
 */
export async function recoverDataKey(file: string, password: string): Promise<Buffer> {
  const meta = vaultMetaRow(file);
  if (!meta) throw new Error('no vault in this database');
  const kek = await deriveKey(password, meta.salt, JSON.parse(meta.kdf) as KdfParams);
  return open(kek, unpackSealed(meta.wrapped_key), dataKeyAad(meta.vault_id));
}
