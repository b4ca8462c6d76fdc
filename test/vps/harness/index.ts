// Public API of the vps harness: real Debian 12 hosts for tests. See test/vps/README.md.
//
//   const hosts = await startHosts(2);            // ...and afterAll(stopAll)
//   await withHosts(1, async ([h]) => { ... });   // teardown guaranteed, errors rethrown
//   const hosts = useHosts(2);                    // beforeAll/afterAll registered for you
import { afterAll, beforeAll } from 'vitest';
import { Host, liveHosts } from './host.js';
import type { HostOptions } from './host.js';
import { currentBase } from './rootfs.js';
import { currentRunId } from './run.js';
import { runPrefix } from './config.js';

export { Host } from './host.js';
export type { HostOptions } from './host.js';
export type { ExecOptions, ExecResult, SshTarget } from './ssh.js';
export { leftovers, sweepLeftovers } from './teardown.js';
export { captureLayer, ensureLayer, layerPath } from './layers.js';
export { pollUntil } from './sh.js';

let exitHooksInstalled = false;

/** Synchronous last-resort teardown of every host this process still has. */
export function stopAllSync(): string[] {
  return [...liveHosts].flatMap((h) => h.destroySync());
}

// vitest's afterAll covers normal ends; these cover a worker exiting early or being signalled.
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.once('exit', () => {
    const problems = stopAllSync();
    if (problems.length) console.error(`vps harness teardown on exit:\n${problems.join('\n')}`);
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      stopAllSync();
      process.removeListener(sig, onSignal);
      // Let the signal do what it would have done had we not been listening.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** Prefix of every host name of this run (for leftovers()). */
export const currentRunPrefix = (): string => runPrefix(currentRunId());

/** Boots `n` hosts in parallel; each accepts root SSH key logins when this resolves. */
export async function startHosts(n: number, opts: HostOptions = {}): Promise<Host[]> {
  installExitHooks();
  const base = await currentBase();
  const runId = currentRunId();
  const results = await Promise.allSettled(Array.from({ length: n }, () => Host.create(runId, base, opts)));
  const hosts = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await destroyHosts(hosts).catch(() => undefined);
    throw failure.reason;
  }
  return hosts;
}

/** Destroys the given hosts; reports every incomplete teardown together. */
export async function destroyHosts(hosts: readonly Host[]): Promise<void> {
  const results = await Promise.allSettled(hosts.map((h) => h.destroy()));
  const errors = results.flatMap((r) =>
    r.status === 'rejected' ? [String((r.reason as Error).message)] : [],
  );
  if (errors.length) throw new Error(errors.join('\n'));
}

/** Destroys every host this process started and has not destroyed yet. */
export async function stopAll(): Promise<void> {
  await destroyHosts([...liveHosts]);
}

/**
 * Runs `fn` with `n` fresh hosts and destroys them afterwards, whether `fn` returns or throws.
 * `fn`'s error is rethrown as is; a teardown failure is thrown only when `fn` succeeded.
 */
export async function withHosts<T>(
  n: number,
  fn: (hosts: Host[]) => Promise<T>,
  opts?: HostOptions,
): Promise<T> {
  const hosts = await startHosts(n, opts);
  let ok = false;
  try {
    const value = await fn(hosts);
    ok = true;
    return value;
  } finally {
    const teardown = destroyHosts(hosts);
    if (ok) await teardown;
    else await teardown.catch((err: Error) => console.error(`teardown after failed test: ${err.message}`));
  }
}

/**
 * For a describe block or file: boots `n` hosts in beforeAll and destroys them in afterAll.
 * The returned array is filled once beforeAll has run.
 */
export function useHosts(n: number, opts?: HostOptions): Host[] {
  const hosts: Host[] = [];
  beforeAll(async () => {
    hosts.push(...(await startHosts(n, opts)));
  });
  afterAll(async () => {
    await destroyHosts(hosts.splice(0));
  });
  return hosts;
}
