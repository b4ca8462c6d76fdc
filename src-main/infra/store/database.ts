import { closeSync, existsSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { migrations as defaultMigrations } from './migrations';
import type { Migration } from './migrations';
import { ensurePrivateDir, restrictDatabaseFiles } from './private-files';

export type { Database };

export const latestSchemaVersion = (list: Migration[] = defaultMigrations) =>
  list.reduce((max, m) => Math.max(max, m.version), 0);

/**
 * Opens (creating if needed) the Hostdeck database: WAL mode, foreign keys on, migrated to the latest
 * schema in one transaction per migration. A database newer than this build is refused rather than
 * silently downgraded.
 */
export function openDatabase(file: string, list: Migration[] = defaultMigrations): Database {
  if (file !== ':memory:') {
    ensurePrivateDir(dirname(file));
    // Created 0600 before SQLite opens it, so it is never readable by others, not even briefly.
    if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  }
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  if (file !== ':memory:') restrictDatabaseFiles(file);
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  try {
    migrate(db, list);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

export function schemaVersion(db: Database): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

export function migrate(db: Database, list: Migration[] = defaultMigrations): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  const sorted = [...list].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`Migrations must be numbered 1..n without gaps (found ${m.version}).`);
  });
  const current = schemaVersion(db);
  const latest = latestSchemaVersion(sorted);
  if (current > latest) {
    throw new Error(
      `This database has schema version ${current}, newer than this Hostdeck build understands (${latest}). ` +
        'Update Hostdeck, or restore an older backup of the data directory.',
    );
  }
  const record = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of sorted) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    })();
  }
}
