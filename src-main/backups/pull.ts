// The laptop's copy of a server's restic repository: only files it does not have yet are fetched
// (restic's files never change once written), each checked against its content hash, written
// atomically, and nothing is ever deleted here: a compromised host cannot take this copy away.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { JobContext } from '../jobs';
import type { ScriptRunner } from '../remote/runner';
import { TarReader } from '../remote/untar';

const REPO = '/var/backups/hostdeck/restic';
/** A restic repository's files: the config, and content-addressed keys, snapshots, index and packs. */
const REPO_FILE = /^(config|(keys|snapshots|index)\/[0-9a-f]{64}|data\/[0-9a-f]{2}\/[0-9a-f]{64})$/;
/** Fixed text: lists the repository's files with their sizes (no input). */
const LIST_SCRIPT = `cd ${REPO} && find config keys snapshots index data -type f -printf '%p %s\\n'`;
/** Fixed text: a tar of the files named on stdin, each name checked again on the host. */
const FETCH_SCRIPT = `cd ${REPO} && grep -Ex '(config|(keys|snapshots|index)/[0-9a-f]{64}|data/[0-9a-f]{2}/[0-9a-f]{64})' | tar --no-recursion --verbatim-files-from -cf - -T -`;
/** Files fetched per exec: bounded output, and a dropped connection costs one batch. */
const BATCH = 200;

export interface PullResult {
  files: number;
  bytes: number;
  /** Files on the host this copy already had. */
  kept: number;
}

export async function pullRepository(
  runner: ScriptRunner,
  job: JobContext,
  serverId: string,
  localDir: string,
): Promise<PullResult> {
  mkdirSync(localDir, { recursive: true, mode: 0o700 });
  const listing = await runner.rootExec(serverId, LIST_SCRIPT);
  if (listing.code !== 0) throw new Error(`listing the repository failed: ${listing.stderr.trim()}`);
  const wanted: { name: string; size: number }[] = [];
  let kept = 0;
  for (const line of listing.stdout.split('\n')) {
    const [name, size] = line.split(' ');
    if (!name || !REPO_FILE.test(name)) continue;
    const local = join(localDir, name);
    if (existsSync(local) && statSync(local).size === Number(size)) kept += 1;
    else wanted.push({ name, size: Number(size) });
  }
  let bytes = 0;
  for (let i = 0; i < wanted.length; i += BATCH) {
    job.throwIfCancelled();
    const batch = wanted.slice(i, i + BATCH);
    const names = new Set(batch.map((w) => w.name));
    const received = new Set<string>();
    const reader = new TarReader((name, content) => {
      if (!names.has(name)) throw new Error(`the host sent ${name}, which was not asked for`);
      const hashed = name !== 'config';
      const sum = createHash('sha256').update(content).digest('hex');
      if (hashed && !name.endsWith(sum)) throw new Error(`${name} does not match its content hash: not kept`);
      const target = join(localDir, name);
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      writeFileSync(`${target}.partial`, content, { mode: 0o600 });
      renameSync(`${target}.partial`, target);
      received.add(name);
      bytes += content.length;
    });
    let failure: unknown = null;
    const r = await runner.rootExec(serverId, FETCH_SCRIPT, [], {
      stdin: `${batch.map((w) => w.name).join('\n')}\n`,
      timeoutMs: 30 * 60_000,
      signal: job.signal,
      captureStdout: false,
      onStdout: (chunk) => {
        if (failure) return;
        try {
          reader.push(chunk);
        } catch (err) {
          failure = err;
        }
      },
    });
    if (failure) throw failure;
    if (r.code !== 0)
      throw new Error(`fetching the repository's files failed: ${r.stderr.trim() || `exit ${r.code}`}`);
    reader.end();
    const missing = batch.filter((w) => !received.has(w.name));
    if (missing.length > 0)
      throw new Error(`the host did not send ${missing.length} file(s), e.g. ${missing[0]!.name}`);
    job.setProgress(Math.min(1, (i + batch.length) / wanted.length));
  }
  return { files: wanted.length, bytes, kept };
}
