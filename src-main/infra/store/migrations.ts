/**
 * Numbered, append-only schema migrations. Never edit a released migration: add the next number.
 * Each capability's tables arrive in the migration of the issue that introduced them.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'foundation: settings, audit, jobs',
    sql: `
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE audit (
        id     INTEGER PRIMARY KEY AUTOINCREMENT,
        at     TEXT NOT NULL,
        actor  TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        detail TEXT NOT NULL DEFAULT '{}'
      ) STRICT;

      CREATE TABLE jobs (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        title       TEXT NOT NULL,
        target      TEXT,
        state       TEXT NOT NULL CHECK (state IN ('queued','running','succeeded','failed','cancelled','interrupted')),
        progress    REAL NOT NULL DEFAULT 0,
        error       TEXT,
        created_at  TEXT NOT NULL,
        started_at  TEXT,
        ended_at    TEXT
      ) STRICT;
      CREATE INDEX jobs_created ON jobs(created_at DESC);
      CREATE INDEX jobs_state ON jobs(state);

      CREATE TABLE job_steps (
        job_id     TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        seq        INTEGER NOT NULL,
        name       TEXT NOT NULL,
        state      TEXT NOT NULL CHECK (state IN ('running','ok','changed','failed','skipped')),
        detail     TEXT,
        started_at TEXT NOT NULL,
        ended_at   TEXT,
        PRIMARY KEY (job_id, seq)
      ) STRICT;

      CREATE TABLE job_log (
        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        seq    INTEGER NOT NULL,
        at     TEXT NOT NULL,
        stream TEXT NOT NULL CHECK (stream IN ('out','err','info')),
        text   TEXT NOT NULL,
        PRIMARY KEY (job_id, seq)
      ) STRICT;
    `,
  },
];
