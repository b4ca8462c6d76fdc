// Puts the server-scripts bundle on a test host and runs `hostdeck.sh` there, parsing its line
// protocol (see server-scripts/README.md). Every run also checks that stdout carried nothing
// but protocol lines, since the app parses stdout as is.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Host } from '../harness/index.js';

// __dirname, not import.meta: Playwright (CommonJS transpile) loads this too (the sites e2e test).
export const SCRIPTS_DIR = join(__dirname, '..', '..', '..', 'server-scripts') + '/';
export const REMOTE_DIR = '/opt/hostdeck/scripts/test';
export const HOSTDECK = `${REMOTE_DIR}/hostdeck.sh`;

export type StepState = 'ok' | 'changed' | 'would-change' | 'failed';
export interface Step {
  state: StepState;
  name: string;
  detail: string;
}
export interface RunOutcome {
  code: number;
  steps: Step[];
  /** status lines as key -> value (module name dropped: one module per run) */
  status: Record<string, string>;
  result: { state: string; counts: Record<string, number> };
  stdout: string;
  stderr: string;
}

/** Quotes one argument for the remote POSIX shell. */
export const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function bundle(): Buffer {
  // Fixed order, owner and mtime: the same scripts give the same bytes (and digest).
  const r = spawnSync(
    'tar',
    ['-C', SCRIPTS_DIR, '--sort=name', '--owner=0', '--group=0', '--mtime=@0', '-cf', '-', '.'],
    { maxBuffer: 64 << 20 },
  );
  if (r.status !== 0) throw new Error(`tar of ${SCRIPTS_DIR} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** sha256 of the scripts bundle: pre-provisioned layers are keyed by it. */
export const scriptsDigest = (): string => createHash('sha256').update(bundle()).digest('hex');

/** Copies server-scripts to REMOTE_DIR on the host (replacing what was there). */
export async function uploadScripts(host: Host): Promise<void> {
  const data = bundle().toString('base64');
  const r = await host.exec(
    `rm -rf ${REMOTE_DIR} && mkdir -p ${REMOTE_DIR} && base64 -d | tar -C ${REMOTE_DIR} -xf -`,
    { input: data },
  );
  if (r.code !== 0) throw new Error(`upload to ${host.name} failed: ${r.stderr}`);
}

export function parseOutput(stdout: string): Omit<RunOutcome, 'code' | 'stdout' | 'stderr'> {
  const steps: Step[] = [];
  const status: Record<string, string> = {};
  let result: RunOutcome['result'] | undefined;
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const f = line.split('\t');
    if (f[0] === 'HOSTDECK-STEP' && f.length === 4) {
      steps.push({ state: f[1] as StepState, name: f[2]!, detail: f[3]! });
    } else if (f[0] === 'HOSTDECK-STATUS' && f.length === 3) {
      const eq = f[2]!.indexOf('=');
      status[f[2]!.slice(0, eq)] = f[2]!.slice(eq + 1);
    } else if (f[0] === 'HOSTDECK-RESULT' && f.length === 3 && !result) {
      const counts = Object.fromEntries(
        f[2]!.split(' ').map((kv) => [kv.split('=')[0]!, Number(kv.split('=')[1])]),
      );
      result = { state: f[1]!, counts };
    } else {
      throw new Error(`stdout carried a line that is not part of the protocol: ${JSON.stringify(line)}`);
    }
  }
  if (!result) throw new Error(`no HOSTDECK-RESULT line in:\n${stdout}`);
  return { steps, status, result };
}

export interface RunOptions {
  /** written to stdin (secrets), then EOF */
  input?: string;
  timeoutMs?: number;
}

/** Runs `hostdeck.sh <module> <verb> ...args` on the host as root. */
export async function hostdeck(
  host: Host,
  module: string,
  verb: string,
  args: string[] = [],
  opts: RunOptions = {},
): Promise<RunOutcome> {
  const cmd = [HOSTDECK, module, verb, ...args].map(shq).join(' ');
  const r = await host.exec(cmd, { input: opts.input, timeoutMs: opts.timeoutMs ?? 240_000 });
  try {
    return { code: r.code, stdout: r.stdout, stderr: r.stderr, ...parseOutput(r.stdout) };
  } catch (err) {
    throw new Error(`${host.name}: ${cmd}: ${(err as Error).message}\nstderr:\n${r.stderr}`, {
      cause: err,
    });
  }
}

/** Steps in a given state, as "name: detail" strings (readable in assertion failures). */
export const stepsIn = (run: RunOutcome, state: StepState): string[] =>
  run.steps.filter((s) => s.state === state).map((s) => `${s.name}: ${s.detail}`);

/** Runs a shell command on the host and returns its trimmed stdout; throws on non-zero exit. */
export async function sh(host: Host, cmd: string, timeoutMs?: number): Promise<string> {
  const r = await host.exec(cmd, { timeoutMs });
  if (r.code !== 0) throw new Error(`${host.name}: \`${cmd}\` exited ${r.code}: ${r.stderr || r.stdout}`);
  return r.stdout.trim();
}
