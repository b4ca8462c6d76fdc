import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createHostdeck } from '../../src-main/core/hostdeck';
import {
  latestSchemaVersion,
  migrate,
  openDatabase,
  schemaVersion,
} from '../../src-main/infra/store/database';
import { migrations } from '../../src-main/infra/store/migrations';
import type { Migration } from '../../src-main/infra/store/migrations';
import { tempDirs } from '../support/temp-dirs';

const dirs = tempDirs('hostdeck-store-');
const handles: Database[] = [];

/** A raw SQLite connection (no migrations), closed after the test. */
const rawDb = (file: string) => {
  const db = new BetterSqlite3(file);
  handles.push(db);
  return db;
};
const track = (db: Database) => {
  handles.push(db);
  return db;
};
const tables = (db: Database) =>
  (
    db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as {
      name: string;
    }[]
  ).map((r) => r.name);
const versionRows = (db: Database) =>
  db.prepare(`SELECT version, name, applied_at FROM schema_version ORDER BY version`).all() as {
    version: number;
    name: string;
    applied_at: string;
  }[];

afterEach(() => {
  for (const db of handles.splice(0)) if (db.open) db.close();
  dirs.removeAll();
});

describe('openDatabase', () => {
  it('creates the file in WAL mode with foreign keys on', () => {
    const file = join(dirs.make(), 'nested', 'hostdeck.sqlite');
    const db = track(openDatabase(file));
    expect(existsSync(file)).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('records every migration in schema_version, up to the latest version', () => {
    const db = track(openDatabase(join(dirs.make(), 'hostdeck.sqlite')));
    expect(schemaVersion(db)).toBe(latestSchemaVersion());
    expect(versionRows(db).map((r) => r.version)).toEqual(migrations.map((m) => m.version));
    expect(tables(db)).toEqual(expect.arrayContaining(['settings', 'audit', 'jobs', 'job_steps', 'job_log']));
  });

  it('re-opening an up-to-date database changes neither the schema record nor the data', () => {
    const file = join(dirs.make(), 'hostdeck.sqlite');
    const first = openDatabase(file);
    first.prepare(`INSERT INTO settings (key, value) VALUES ('theme', '"dark"')`).run();
    const before = versionRows(first);
    first.close();

    const again = track(openDatabase(file));
    expect(versionRows(again)).toEqual(before);
    expect(again.prepare(`SELECT value FROM settings WHERE key = 'theme'`).get()).toEqual({
      value: '"dark"',
    });
  });

  it('refuses a database whose schema is newer than this build, with a clear error, and leaves it untouched', () => {
    const file = join(dirs.make(), 'hostdeck.sqlite');
    const latest = latestSchemaVersion();
    const db = openDatabase(file);
    db.prepare(
      `INSERT INTO schema_version (version, name, applied_at) VALUES (?, 'from the future', 'x')`,
    ).run(latest + 1);
    db.close();

    expect(() => migrate(rawDb(file))).toThrow(
      `This database has schema version ${latest + 1}, newer than this Hostdeck build understands (${latest}). ` +
        'Update Hostdeck',
    );
    expect(schemaVersion(rawDb(file))).toBe(latest + 1);
  });

  it('refuses a newer database at start-up and releases the data-directory lock', () => {
    const dataDir = dirs.make();
    const db = openDatabase(join(dataDir, 'hostdeck.sqlite'));
    db.prepare(`INSERT INTO schema_version (version, name, applied_at) VALUES (?, 'newer', 'x')`).run(
      latestSchemaVersion() + 1,
    );
    db.close();

    expect(() => createHostdeck({ dataDir, version: 'test' })).toThrow(/newer than this Hostdeck build/);
    expect(existsSync(join(dataDir, 'instance.lock'))).toBe(false);
  });

  it('makes the data directory 0700 and the SQLite files 0600 at every start, also when they were looser', async () => {
    const mode = (p: string) => statSync(p).mode & 0o777;
    const dataDir = dirs.make();
    chmodSync(dataDir, 0o755);
    const file = join(dataDir, 'hostdeck.sqlite');
    const first = createHostdeck({ dataDir, version: 'test' });
    await first.close();
    // Loosened by hand, by a restore or by an older build; the next start tightens them again.
    chmodSync(dataDir, 0o755);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) {
      if (!existsSync(f)) writeFileSync(f, '');
      chmodSync(f, 0o644);
    }
    const app = createHostdeck({ dataDir, version: 'test' });
    try {
      expect(mode(dataDir)).toBe(0o700);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(mode(f), f).toBe(0o600);
    } finally {
      await app.close();
    }
  });

  it('creates a new database file 0600 before SQLite writes anything to it', () => {
    const file = join(dirs.make(), 'fresh', 'hostdeck.sqlite');
    track(openDatabase(file));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
  });
});

describe('migrate', () => {
  const create = (version: number, table: string): Migration => ({
    version,
    name: `create ${table}`,
    sql: `CREATE TABLE ${table} (id INTEGER PRIMARY KEY) STRICT;`,
  });

  it('applies migrations in version order, whatever order the list is in', () => {
    const db = rawDb(join(dirs.make(), 'm.sqlite'));
    const list: Migration[] = [
      { version: 2, name: 'add note', sql: `ALTER TABLE things ADD COLUMN note TEXT;` },
      create(1, 'things'),
    ];
    migrate(db, list);
    expect(versionRows(db).map((r) => [r.version, r.name])).toEqual([
      [1, 'create things'],
      [2, 'add note'],
    ]);
    expect(db.prepare(`SELECT name FROM pragma_table_info('things') ORDER BY cid`).all()).toEqual([
      { name: 'id' },
      { name: 'note' },
    ]);
  });

  it('applies only the migrations newer than the recorded version', () => {
    const file = join(dirs.make(), 'm.sqlite');
    migrate(rawDb(file), [create(1, 'a')]);
    const db = rawDb(file);
    migrate(db, [create(1, 'a'), create(2, 'b')]);
    expect(versionRows(db).map((r) => r.version)).toEqual([1, 2]);
    expect(tables(db)).toEqual(['a', 'b', 'schema_version']);
  });

  it('rolls a failing migration back whole: no partial tables and the schema version unchanged', () => {
    const db = rawDb(join(dirs.make(), 'm.sqlite'));
    const broken: Migration = {
      version: 2,
      name: 'half works',
      sql: `CREATE TABLE created_first (id INTEGER) STRICT; CREATE TABLE broken (id INTEGR_TYPO) STRICT;`,
    };
    expect(() => migrate(db, [create(1, 'base'), broken])).toThrow();
    expect(schemaVersion(db)).toBe(1);
    expect(tables(db)).toEqual(['base', 'schema_version']);
  });

  it('refuses a gap in migration numbers before applying anything', () => {
    const db = rawDb(join(dirs.make(), 'm.sqlite'));
    expect(() => migrate(db, [create(1, 'a'), create(3, 'c')])).toThrow(
      /numbered 1\.\.n without gaps \(found 3\)/,
    );
    expect(schemaVersion(db)).toBe(0);
    expect(tables(db)).toEqual(['schema_version']);
  });

  it('refuses two migrations with the same number', () => {
    const db = rawDb(join(dirs.make(), 'm.sqlite'));
    expect(() => migrate(db, [create(1, 'a'), create(1, 'b')])).toThrow(/without gaps/);
    expect(tables(db)).toEqual(['schema_version']);
  });

  it('keeps the shipped migrations numbered 1..n', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
  });
});
