import { execFile } from 'node:child_process';
import { randomBytes, scrypt } from 'node:crypto';
import { access, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../infra/store/database';
import type { JobContext } from '../jobs';

/**
 * "Check this install": real checks an operator wants before trusting the app with their fleet.
 * Each is a job step; a missing optional tool is reported, not failed.
 */
export function diagnosticsRunner(deps: { db: Database; dataDir: string }) {
  return async (ctx: JobContext) => {
    await ctx.step('Data directory is writable', async () => {
      await access(deps.dataDir, constants.W_OK);
      const dir = await mkdtemp(join(deps.dataDir, '.probe-'));
      await writeFile(join(dir, 'probe'), 'ok', { mode: 0o600 });
      await rm(dir, { recursive: true });
      return { state: 'ok', detail: deps.dataDir };
    });
    ctx.throwIfCancelled();

    await ctx.step('Database integrity', async () => {
      const rows = deps.db.pragma('integrity_check') as { integrity_check: string }[];
      const result = rows.map((r) => r.integrity_check).join('; ');
      if (result !== 'ok') throw new Error(`SQLite integrity check failed: ${result}`);
      const mode = deps.db.pragma('journal_mode', { simple: true }) as string;
      return { state: 'ok', detail: `integrity ok, journal ${mode}` };
    });
    ctx.throwIfCancelled();

    await ctx.step('Database checkpoint', async () => {
      const [r] = deps.db.pragma('wal_checkpoint(TRUNCATE)') as {
        busy: number;
        log: number;
        checkpointed: number;
      }[];
      ctx.log(`wal checkpoint: busy=${r?.busy} log=${r?.log} checkpointed=${r?.checkpointed}`);
      return { state: 'ok', detail: `${r?.checkpointed ?? 0} pages checkpointed` };
    });
    ctx.throwIfCancelled();

    await ctx.step('Key derivation speed (scrypt N=2^17, r=8)', async () => {
      const started = performance.now();
      await new Promise<Buffer>((resolve, reject) =>
        scrypt(
          randomBytes(32),
          randomBytes(16),
          32,
          { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 },
          (e, k) => (e ? reject(e) : resolve(k)),
        ),
      );
      const ms = Math.round(performance.now() - started);
      ctx.log(`scrypt N=2^17 r=8 p=1 took ${ms} ms`);
      return { state: 'ok', detail: `${ms} ms per unlock` };
    });
    ctx.throwIfCancelled();

    await ctx.step('OpenSSH client available', async () => {
      const version = await new Promise<string | null>((resolve) =>
        execFile('ssh', ['-V'], { timeout: 5000 }, (err, stdout, stderr) =>
          resolve(err ? null : `${stdout}${stderr}`.trim()),
        ),
      );
      if (version === null) return { state: 'skipped', detail: 'ssh not found; Hostdeck does not need it' };
      ctx.log(version);
      return { state: 'ok', detail: version };
    });
  };
}

export const diagnosticsPlannedSteps = 5;
