// Offsite copies: which server's backup repository is copied to which other server, under which
// account name there (hd-off-<name>). Kept on the laptop so a restore on the other server works
// while the first one is down, and so removing either server is refused while the copy is set up.
import { randomBytes } from 'node:crypto';
import type { Database } from '../infra/store/database';

export interface BackupCopy {
  sourceServerId: string;
  targetServerId: string;
  /** 8 lower-case hex digits: the account on the target is hd-off-<name>. */
  name: string;
  createdAt: string;
}

interface Row {
  source_server_id: string;
  target_server_id: string;
  name: string;
  created_at: string;
}
const toCopy = (r: Row): BackupCopy => ({
  sourceServerId: r.source_server_id,
  targetServerId: r.target_server_id,
  name: r.name,
  createdAt: r.created_at,
});

export class BackupCopies {
  constructor(private readonly db: Database) {}

  /** The copy of a server's backups, or null. */
  of(sourceServerId: string): BackupCopy | null {
    const row = this.db
      .prepare(`SELECT * FROM backup_copies WHERE source_server_id = ?`)
      .get(sourceServerId) as Row | undefined;
    return row ? toCopy(row) : null;
  }

  /** The copies a server keeps of other servers' backups. */
  keptOn(targetServerId: string): BackupCopy[] {
    return (
      this.db
        .prepare(`SELECT * FROM backup_copies WHERE target_server_id = ? ORDER BY created_at`)
        .all(targetServerId) as Row[]
    ).map(toCopy);
  }

  /** A fresh account name (the same server copied again elsewhere gets a new one). */
  newName(): string {
    return randomBytes(4).toString('hex');
  }

  set(copy: Omit<BackupCopy, 'createdAt'>): void {
    this.db
      .prepare(
        `INSERT INTO backup_copies (source_server_id, target_server_id, name, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (source_server_id) DO UPDATE SET target_server_id = excluded.target_server_id,
           name = excluded.name, created_at = excluded.created_at`,
      )
      .run(copy.sourceServerId, copy.targetServerId, copy.name, new Date().toISOString());
  }

  remove(sourceServerId: string): void {
    this.db.prepare(`DELETE FROM backup_copies WHERE source_server_id = ?`).run(sourceServerId);
  }
}
