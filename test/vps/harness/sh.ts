// Running the machine-level tools (ip, nft, mount, ...). Arguments are always passed as argv,
// never through a shell, so names and paths need no quoting.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

const describe = (cmd: string, args: readonly string[]): string => [cmd, ...args].join(' ');

/** Runs a command to completion; never throws for a non-zero exit (callers decide). */
export function run(cmd: string, args: readonly string[], input?: string): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => reject(new Error(`cannot run ${describe(cmd, args)}: ${err.message}`)));
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    // A command may exit without reading its input; its exit status tells what went wrong.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

/** Like run(), but a non-zero exit is an error that shows the command and its stderr. */
export async function must(cmd: string, args: readonly string[], input?: string): Promise<RunResult> {
  const result = await run(cmd, args, input);
  if (result.code !== 0) {
    throw new Error(
      `\`${describe(cmd, args)}\` exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  return result;
}

/**
 * Synchronous variant, for teardown on process exit/signal where the event loop is gone.
 * Returns the result instead of throwing: teardown keeps going and reports at the end.
 */
export function runSync(cmd: string, args: readonly string[]): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? r.error?.message ?? '' };
}

/** Blocks the thread (no event loop needed); only for short waits inside synchronous teardown. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than undefined, or throws `onTimeout()`. */
export async function pollUntil<T>(
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  onTimeout: () => Error,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw onTimeout();
    await delay(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}

/** Directory entries, or none when the directory does not exist (yet, or any more). */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
