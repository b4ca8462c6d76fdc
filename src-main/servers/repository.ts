import type { ServerAuth, ServerFacts, ServerInfo, ServerStatus } from '@contract';
import type { Database } from '../infra/store/database';

interface ServerRow {
  id: string;
  name: string;
  host: string;
  port: number;
  username: string;
  auth: 'key' | 'password' | 'agent';
  secret_id: string | null;
  jump_server_id: string | null;
  tags: string;
  notes: string;
  host_key_type: string | null;
  host_key: string | null;
  host_key_fingerprint: string | null;
  host_key_trusted_at: string | null;
  facts: string | null;
  facts_at: string | null;
  last_status: ServerStatus;
  last_error: string | null;
  last_checked_at: string | null;
  host_key_mac: string | null;
  created_at: string;
  updated_at: string;
}

export interface ServerRecord extends ServerInfo {
  /** base64 host key blob (main process only; the renderer sees the fingerprint). */
  hostKeyBlob: string | null;
  /** HMAC binding the pin to the vault ('legacy' for pins older than that; main process only). */
  hostKeyMac: string | null;
}

const toRecord = (r: ServerRow): ServerRecord => ({
  id: r.id,
  name: r.name,
  host: r.host,
  port: r.port,
  username: r.username,
  auth: r.auth === 'agent' ? { kind: 'agent' } : ({ kind: r.auth, secretId: r.secret_id! } as ServerAuth),
  jumpServerId: r.jump_server_id,
  tags: JSON.parse(r.tags) as string[],
  notes: r.notes,
  hostKey:
    r.host_key_fingerprint && r.host_key_type && r.host_key_trusted_at
      ? { type: r.host_key_type, fingerprint: r.host_key_fingerprint, trustedAt: r.host_key_trusted_at }
      : null,
  hostKeyBlob: r.host_key,
  hostKeyMac: r.host_key_mac,
  status: r.last_status,
  lastError: r.last_error,
  lastCheckedAt: r.last_checked_at,
  facts: r.facts ? (JSON.parse(r.facts) as ServerFacts) : null,
  factsAt: r.facts_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const toInfo = ({ hostKeyBlob: _blob, hostKeyMac: _mac, ...info }: ServerRecord): ServerInfo => info;

/** What the operator asks for: the fields of a server the app does not read back itself. */
export type ServerWrite = Pick<
  ServerInfo,
  'name' | 'host' | 'port' | 'username' | 'auth' | 'jumpServerId' | 'tags' | 'notes'
>;

/** The server inventory: what the operator asked for, plus the last facts read back. */
export class ServerRepository {
  constructor(private readonly db: Database) {}

  list(): ServerRecord[] {
    return (this.db.prepare(`SELECT * FROM servers ORDER BY name COLLATE NOCASE`).all() as ServerRow[]).map(
      toRecord,
    );
  }

  get(id: string): ServerRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM servers WHERE id = ?`).get(id) as ServerRow | undefined;
    return row && toRecord(row);
  }

  byName(name: string): ServerRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM servers WHERE name = ? COLLATE NOCASE`).get(name) as
      ServerRow | undefined;
    return row && toRecord(row);
  }

  insert(id: string, s: ServerWrite, at: string): void {
    this.db
      .prepare(
        `INSERT INTO servers (id, name, host, port, username, auth, secret_id, jump_server_id, tags, notes, created_at, updated_at)
         VALUES (@id, @name, @host, @port, @username, @auth, @secret_id, @jump_server_id, @tags, @notes, @at, @at)`,
      )
      .run({ id, at, ...columns(s) });
  }

  update(id: string, s: ServerWrite, at: string): void {
    this.db
      .prepare(
        `UPDATE servers SET name = @name, host = @host, port = @port, username = @username, auth = @auth,
           secret_id = @secret_id, jump_server_id = @jump_server_id, tags = @tags, notes = @notes, updated_at = @at
         WHERE id = @id`,
      )
      .run({ id, at, ...columns(s) });
  }

  remove(id: string): void {
    this.db.prepare(`DELETE FROM servers WHERE id = ?`).run(id);
  }

  usersOfJump(id: string): string[] {
    return (
      this.db.prepare(`SELECT name FROM servers WHERE jump_server_id = ?`).all(id) as { name: string }[]
    ).map((r) => r.name);
  }

  setHostKey(
    id: string,
    key: { type: string; key: string; fingerprint: string },
    at: string,
    mac: (trustedAt: string) => string,
  ): void {
    this.db
      .prepare(
        `UPDATE servers SET host_key_type = ?, host_key = ?, host_key_fingerprint = ?, host_key_trusted_at = ?,
         host_key_mac = ?, updated_at = ? WHERE id = ?`,
      )
      .run(key.type, key.key, key.fingerprint, at, mac(at), at, id);
  }

  setHostKeyMac(id: string, mac: string): void {
    this.db.prepare(`UPDATE servers SET host_key_mac = ? WHERE id = ?`).run(mac, id);
  }

  setFacts(id: string, facts: ServerFacts, at: string): void {
    this.db
      .prepare(
        `UPDATE servers SET facts = ?, facts_at = ?, last_status = 'online', last_error = NULL, last_checked_at = ? WHERE id = ?`,
      )
      .run(JSON.stringify(facts), at, at, id);
  }

  setStatus(id: string, status: ServerStatus, error: string | null, at: string): void {
    this.db
      .prepare(`UPDATE servers SET last_status = ?, last_error = ?, last_checked_at = ? WHERE id = ?`)
      .run(status, error, at, id);
  }
}

/** The one mapping from what the operator asked for to the row's columns. */
const columns = (s: ServerWrite) => ({
  name: s.name,
  host: s.host,
  port: s.port,
  username: s.username,
  auth: s.auth.kind,
  secret_id: s.auth.kind === 'agent' ? null : s.auth.secretId,
  jump_server_id: s.jumpServerId,
  tags: JSON.stringify(s.tags),
  notes: s.notes,
});
