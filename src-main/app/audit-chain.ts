import { createHash } from 'node:crypto';
import type { AuditVerification } from '@contract';

/** The `prev_hash` of the first entry. */
export const GENESIS = 'hostdeck-audit-v1';

/** An entry as stored: `detail` is the JSON text exactly as written. */
export interface ChainedRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  detail: string;
  prev_hash: string | null;
  hash: string | null;
}

/** SHA-256 of an entry's canonical form, its id and its predecessor's hash included. */
export function entryHash(row: Omit<ChainedRow, 'hash'>): string {
  const canonical = JSON.stringify([
    1,
    row.id,
    row.at,
    row.actor,
    row.action,
    row.target,
    row.detail,
    row.prev_hash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** What the head's MAC covers. */
export const headData = (entryId: number, hash: string) => `${entryId}:${hash}`;

export interface SignedHead {
  entryId: number;
  hash: string;
  mac: string;
}

/**
 * Walks the chain from the first entry: each must name its predecessor's hash and hash to what it
 * stores; then the signed head must be in the chain. `verifyMac` answers null while the vault is
 * locked (the head's signature is then not checked).
 */
export function verifyChain(
  rows: Iterable<ChainedRow>,
  head: SignedHead | null,
  opts: { vaultExists: boolean; verifyMac: (data: string, mac: string) => boolean | null },
): AuditVerification {
  let prev = GENESIS;
  let count = 0;
  const hashes = new Map<number, string>();
  let lastId = 0;
  for (const row of rows) {
    count += 1;
    if (row.prev_hash !== prev) {
      return broken(
        count,
        row.id,
        `entry ${row.id} does not follow the entry before it: one was removed, changed or moved`,
      );
    }
    if (row.hash !== entryHash(row)) {
      return broken(count, row.id, `entry ${row.id} was changed after it was written`);
    }
    prev = row.hash;
    hashes.set(row.id, row.hash);
    lastId = row.id;
  }
  if (!head) {
    return opts.vaultExists
      ? broken(count, null, 'the signed head of the trail is missing: the trail was replaced or emptied')
      : { ok: true, entries: count, signedThrough: null, problem: null, brokenAt: null };
  }
  if (head.mac === 'legacy') {
    return { ok: true, entries: count, signedThrough: null, problem: null, brokenAt: null };
  }
  if (opts.verifyMac(headData(head.entryId, head.hash), head.mac) === false) {
    return broken(count, null, 'the signed head of the trail was changed outside Hostdeck');
  }
  if (head.entryId > 0 && hashes.get(head.entryId) !== head.hash) {
    return broken(
      count,
      head.entryId,
      head.entryId > lastId
        ? `the trail ends at entry ${lastId}, but the vault signed entry ${head.entryId}: entries were removed from its end`
        : `entry ${head.entryId}, which the vault signed, is not the one in the trail`,
    );
  }
  return { ok: true, entries: count, signedThrough: head.entryId, problem: null, brokenAt: null };
}

const broken = (entries: number, brokenAt: number | null, problem: string): AuditVerification => ({
  ok: false,
  entries,
  signedThrough: null,
  problem,
  brokenAt,
});
