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
  {
    version: 2,
    name: 'vault and servers',
    sql: `
      CREATE TABLE vault_meta (
        singleton        INTEGER PRIMARY KEY CHECK (singleton = 1),
        vault_id         TEXT NOT NULL,
        kdf              TEXT NOT NULL,
        salt             BLOB NOT NULL,
        wrapped_key      BLOB NOT NULL,
        key_check        BLOB NOT NULL,
        keychain_enabled INTEGER NOT NULL DEFAULT 0,
        created_at       TEXT NOT NULL,
        updated_at       TEXT NOT NULL
      ) STRICT;

      CREATE TABLE secrets (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('ssh-key','password','db-credential','token')),
        label       TEXT NOT NULL,
        fingerprint TEXT,
        public_key  TEXT,
        sealed      BLOB NOT NULL,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      ) STRICT;

      CREATE TABLE servers (
        id                   TEXT PRIMARY KEY,
        name                 TEXT NOT NULL UNIQUE,
        host                 TEXT NOT NULL,
        port                 INTEGER NOT NULL,
        username             TEXT NOT NULL,
        auth                 TEXT NOT NULL CHECK (auth IN ('key','password','agent')),
        secret_id            TEXT REFERENCES secrets(id) ON DELETE RESTRICT,
        jump_server_id       TEXT REFERENCES servers(id) ON DELETE RESTRICT,
        tags                 TEXT NOT NULL DEFAULT '[]',
        notes                TEXT NOT NULL DEFAULT '',
        host_key_type        TEXT,
        host_key             TEXT,
        host_key_fingerprint TEXT,
        host_key_trusted_at  TEXT,
        facts                TEXT,
        facts_at             TEXT,
        last_status          TEXT NOT NULL DEFAULT 'unknown',
        last_error           TEXT,
        last_checked_at      TEXT,
        created_at           TEXT NOT NULL,
        updated_at           TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'tenants and sites',
    sql: `
      CREATE TABLE tenants (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        slug       TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE sites (
        id                    TEXT PRIMARY KEY,
        server_id             TEXT NOT NULL REFERENCES servers(id) ON DELETE RESTRICT,
        tenant_id             TEXT NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
        slug                  TEXT NOT NULL,
        domain                TEXT NOT NULL,
        aliases               TEXT NOT NULL DEFAULT '[]',
        type                  TEXT NOT NULL CHECK (type IN ('php','wordpress','laravel')),
        tls                   TEXT NOT NULL CHECK (tls IN ('auto','internal','off')),
        www                   TEXT NOT NULL CHECK (www IN ('none','to-apex','to-www')),
        php                   TEXT NOT NULL,
        port                  INTEGER NOT NULL,
        status                TEXT NOT NULL,
        last_error            TEXT,
        db_secret_id          TEXT REFERENCES secrets(id) ON DELETE SET NULL,
        admin_secret_id       TEXT REFERENCES secrets(id) ON DELETE SET NULL,
        deploy_key_secret_id  TEXT REFERENCES secrets(id) ON DELETE SET NULL,
        repo                  TEXT,
        branch                TEXT,
        live                  TEXT,
        wordpress             TEXT,
        created_at            TEXT NOT NULL,
        updated_at            TEXT NOT NULL,
        UNIQUE (server_id, slug),
        UNIQUE (server_id, port)
      ) STRICT;
      CREATE INDEX sites_tenant ON sites(tenant_id);
    `,
  },
  {
    version: 4,
    name: 'host-key pins bound to the vault',
    // An HMAC (keyed from the vault's data key) over each pinned host key: a pin changed in this
    // file is refused as TAMPERED. Pins made before this are 'legacy' until the first unlock signs them.
    sql: `
      ALTER TABLE servers ADD COLUMN host_key_mac TEXT;
      UPDATE servers SET host_key_mac = 'legacy' WHERE host_key IS NOT NULL;
    `,
  },
  {
    version: 5,
    name: 'jobs keep their command; secrets owned by id',
    // A job remembers the command (and its validated input, never a secret) that started it, so any
    // job can be run again. Secrets a capability makes for a record (the MariaDB admin password of a
    // server) are found by id, not by a label that a rename changes.
    sql: `
      ALTER TABLE jobs ADD COLUMN origin_command TEXT;
      ALTER TABLE jobs ADD COLUMN origin_input TEXT;
      CREATE TABLE owned_secrets (
        owner_kind  TEXT NOT NULL,
        owner_id    TEXT NOT NULL,
        purpose     TEXT NOT NULL,
        secret_id   TEXT NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
        PRIMARY KEY (owner_kind, owner_id, purpose)
      ) STRICT;
    `,
  },
  {
    version: 6,
    name: 'audit trail chained and its head signed',
    // Each entry keeps the SHA-256 of the one before it and of its own canonical form; the head (the
    // last entry's id and hash) is kept with an HMAC keyed from the vault, so an edited, removed or
    // reordered entry and a truncated table are all detected (app/audit-chain.ts). Entries written
    // before this are chained on the next start; the head is 'legacy' until the next unlock signs it.
    sql: `
      ALTER TABLE audit ADD COLUMN prev_hash TEXT; ALTER TABLE audit ADD COLUMN hash TEXT;
      CREATE TABLE audit_head (
        one       INTEGER PRIMARY KEY CHECK (one = 1),
        entry_id  INTEGER NOT NULL,
        hash      TEXT NOT NULL,
        mac       TEXT NOT NULL
      ) STRICT;
      INSERT INTO audit_head (one, entry_id, hash, mac)
        SELECT 1, 0, '', 'legacy' WHERE EXISTS (SELECT 1 FROM vault_meta);
    `,
  },
  {
    version: 7,
    name: 'offsite copies of backups',
    // A server's backup repository copied over SFTP into an account on another server (its name
    // there: hd-off-<name>). Kept here so a restore on the other server works while the first one is
    // down, and so removing either server while the copy is set up is refused.
    sql: `
      CREATE TABLE backup_copies (
        source_server_id  TEXT PRIMARY KEY REFERENCES servers(id),
        target_server_id  TEXT NOT NULL REFERENCES servers(id),
        name              TEXT NOT NULL UNIQUE,
        created_at        TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 8,
    name: 'monitoring samples and alerts',
    // Each server sampled every 15 s (monitor/): raw points (res 0) for a day, per-minute (res 60)
    // and per-hour (res 3600) averages for 7 and 90 days, per series (the server, each site, each
    // mount; an integer id, so a row is its numbers, not the server's id), time in seconds, values
    // as scaled integers (monitor/store.ts: a small integer takes 1-3 bytes, a REAL 8);
    // and each server's newest state, shown offline. Bounded by the fleet's size, not by time.
    // Alerts with their history, the rules changed per server, and silences (maintenance windows).
    sql: `
      CREATE TABLE monitor_series (
        id INTEGER PRIMARY KEY, server_id TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
        UNIQUE (server_id, kind, key)
      ) STRICT;
      CREATE TABLE monitor_points (
        series INTEGER NOT NULL, res INTEGER NOT NULL, at INTEGER NOT NULL,
        v0 INTEGER, v1 INTEGER, v2 INTEGER, v3 INTEGER, v4 INTEGER, v5 INTEGER, v6 INTEGER,
        v7 INTEGER, v8 INTEGER,
        PRIMARY KEY (series, res, at)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE monitor_latest (
        server_id TEXT PRIMARY KEY, at INTEGER NOT NULL, state TEXT NOT NULL
      ) STRICT;
      CREATE TABLE monitor_alerts (
        id INTEGER PRIMARY KEY, server_id TEXT NOT NULL, rule TEXT NOT NULL, key TEXT NOT NULL,
        summary TEXT NOT NULL, started_at INTEGER NOT NULL, resolved_at INTEGER,
        notified_at INTEGER, silenced INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE INDEX monitor_alerts_server ON monitor_alerts (server_id, resolved_at);
      CREATE TABLE monitor_rules (
        server_id TEXT NOT NULL, rule TEXT NOT NULL, enabled INTEGER NOT NULL, threshold REAL NOT NULL,
        clear_at REAL NOT NULL, for_seconds INTEGER NOT NULL,
        PRIMARY KEY (server_id, rule)
      ) STRICT;
      CREATE TABLE monitor_silences (
        server_id TEXT PRIMARY KEY, until INTEGER NOT NULL, reason TEXT NOT NULL
      ) STRICT;
    `,
  },
];
