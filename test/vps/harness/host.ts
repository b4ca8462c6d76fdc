// One test host: a systemd-nspawn container on an overlay of the base rootfs, in its own netns.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Client as SshClient } from 'ssh2';
import { hostDir, SUBNET_PREFIX } from './config.js';
import { prepareCgroups, removeCgroups } from './cgroup.js';
import { createHostNetwork } from './network.js';
import { killHostProcessesSync, teardownHostSync } from './teardown.js';
import type { BaseRootfs } from './rootfs.js';
import { acquireLease } from './run.js';
import { must, pollUntil } from './sh.js';
import { connect, exec } from './ssh.js';
import type { ExecOptions, ExecResult, SshTarget } from './ssh.js';

export interface HostOptions {
  /**
   * Extra read-only lower dirs stacked on the base, bottom to top (the last one wins), e.g.
   * a pre-provisioned layer from ensureLayer(). Each must have been made on the same base.
   */
  layers?: string[];
  /** How long to wait for sshd to accept the test key after each (re)start; default 60 s. */
  bootTimeoutMs?: number;
}

/** Hosts of this process that are not destroyed yet (teardown on exit/signal walks this). */
export const liveHosts = new Set<Host>();

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

// overlayfs option syntax: ',' separates options and ':' separates lower dirs.
function checkOverlayPath(dir: string): void {
  if (/[,:]/.test(dir)) throw new Error(`Overlay paths cannot contain ',' or ':': ${dir}. Use another path.`);
}

function checkLowerDir(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`Layer ${dir} is not a directory. Build it first (ensureLayer) or fix the path.`);
  }
  checkOverlayPath(dir);
}

export class Host {
  readonly ssh: SshTarget;
  /** pid of systemd-nspawn while the container runs */
  pid: number | undefined;
  private child: ChildProcess | undefined;
  private client: SshClient | undefined;
  /**
   * Set once torn down. Names are reused after a lease is released, so a second destroy() of
   * this object must not touch a newer host that got the same name.
   */
  private destroyed = false;

  private constructor(
    readonly name: string,
    readonly address: string,
    privateKey: Buffer,
    private readonly bootTimeoutMs: number,
  ) {
    this.ssh = { host: address, port: 22, username: 'root', privateKey };
  }

  get dir(): string {
    return hostDir(this.name);
  }
  /** the overlay's upper dir: everything this host changed relative to its lower dirs */
  get upperDir(): string {
    return join(this.dir, 'upper');
  }
  get rootDir(): string {
    return join(this.dir, 'root');
  }
  private get consoleLog(): string {
    return join(this.dir, 'console.log');
  }

  /** Leases an address, mounts the overlay, wires the netns and boots until SSH works. */
  static async create(runId: string, base: BaseRootfs, opts: HostOptions = {}): Promise<Host> {
    const { octet, name } = acquireLease(runId);
    const host = new Host(name, `${SUBNET_PREFIX}${octet}`, base.privateKey, opts.bootTimeoutMs ?? 60_000);
    liveHosts.add(host);
    try {
      const lower = [...(opts.layers ?? [])].reverse().concat(base.rootfs);
      lower.forEach(checkLowerDir);
      for (const sub of ['upper', 'work', 'root']) mkdirSync(join(host.dir, sub), { recursive: true });
      checkOverlayPath(host.dir);
      await must('mount', [
        '-t',
        'overlay',
        'overlay',
        '-o',
        `lowerdir=${lower.join(':')},upperdir=${host.upperDir},workdir=${join(host.dir, 'work')}`,
        host.rootDir,
      ]);
      await createHostNetwork(name, host.address);
      await host.start();
      return host;
    } catch (err) {
      liveHosts.delete(host);
      host.closeSsh();
      const problems = teardownHostSync(name);
      if (problems.length) console.error(`cleanup after failed start of ${name}:\n${problems.join('\n')}`);
      throw err;
    }
  }

  /** Boots the container (again, keeping the upper dir, as a reboot would) and waits for SSH. */
  async start(): Promise<void> {
    if (this.destroyed) throw new Error(`${this.name} was destroyed; start a new host instead`);
    if (this.child && !exited(this.child))
      throw new Error(`${this.name} is already running (pid ${this.pid})`);
    const procsFiles = prepareCgroups(this.name);
    const consoleFd = openSync(this.consoleLog, 'a');
    try {
      // The shell joins the host's cgroups and then becomes nspawn (exec), so nspawn starts in
      // them. detached: a Ctrl-C to the test run must not hit nspawn before our teardown runs.
      this.child = spawn(
        '/bin/sh',
        [
          '-c',
          'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"',
          'hostdeck-vps-enter',
          ...procsFiles,
          '--',
          'systemd-nspawn',
          '-D',
          this.rootDir,
          '-M',
          this.name,
          '-b',
          '--register=no',
          '--keep-unit',
          `--network-namespace-path=/run/netns/${this.name}`,
          '--console=read-only',
          '--capability=CAP_NET_ADMIN',
          // resolv.conf stays empty: hosts have no DNS (the mirror is pinned in /etc/hosts).
          '--resolv-conf=off',
        ],
        { detached: true, stdio: ['ignore', consoleFd, consoleFd] },
      );
    } finally {
      closeSync(consoleFd);
    }
    // Don't keep the test process alive for a host someone forgot: the exit handler stops it.
    this.child.unref();
    this.pid = this.child.pid;
    await this.waitForSsh();
  }

  private async waitForSsh(): Promise<void> {
    let lastError = '';
    const child = this.child;
    await pollUntil(
      this.bootTimeoutMs,
      async () => {
        if (!child || exited(child)) {
          throw new Error(
            `${this.name}: systemd-nspawn exited (code ${child?.exitCode}, signal ${child?.signalCode}) ` +
              `before sshd came up. Console:\n${this.consoleTail()}`,
          );
        }
        try {
          const client = await connect(this.ssh, 3_000);
          this.adopt(client);
          return true;
        } catch (err) {
          lastError = (err as Error).message;
          return undefined;
        }
      },
      () =>
        new Error(
          `${this.name} (${this.address}): no SSH key login within ${this.bootTimeoutMs} ms ` +
            `(last error: ${lastError}). Console:\n${this.consoleTail()}`,
        ),
    );
  }

  private adopt(client: SshClient): void {
    this.client = client;
    client.on('close', () => {
      if (this.client === client) this.client = undefined;
    });
    client.on('error', () => undefined); // surfaced through the next exec instead
  }

  private closeSsh(): void {
    this.client?.end();
    this.client = undefined;
  }

  /** Runs a command as root over SSH (one connection per host, reopened after a restart). */
  async exec(cmd: string, opts?: ExecOptions): Promise<ExecResult> {
    if (!this.child || exited(this.child)) {
      throw new Error(
        `${this.name} is not running${this.destroyed ? ' (destroyed)' : '; call start() first'}`,
      );
    }
    if (!this.client) this.adopt(await connect(this.ssh, 10_000));
    return exec(this.client!, cmd, opts);
  }

  /** Waits for systemd to finish booting; returns its state (`running` or `degraded` is up). */
  async waitForSystemd(timeoutMs = 60_000): Promise<string> {
    const seconds = Math.ceil(timeoutMs / 1000);
    const r = await this.exec(`timeout ${seconds} systemctl is-system-running --wait`, {
      timeoutMs: timeoutMs + 5_000,
    });
    return r.stdout.trim();
  }

  /** Halts the container cleanly (SIGTERM to nspawn), keeping overlay and network for start(). */
  async stop(): Promise<void> {
    this.closeSsh();
    const child = this.child;
    if (child && !exited(child)) {
      child.kill('SIGTERM');
      if (!(await waitExit(child, 15_000))) {
        child.kill('SIGKILL');
        await waitExit(child, 5_000);
      }
    }
    this.child = undefined;
    this.pid = undefined;
    // Container processes die with nspawn; this only matters if nspawn itself was killed.
    killHostProcessesSync(this.name, 0);
    const stuck = removeCgroups(this.name);
    if (stuck.length)
      throw new Error(`${this.name}: cgroups still populated after stop: ${stuck.join(', ')}`);
  }

  async reboot(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stops the host and removes everything it had on this machine. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    // A failed stop() still ends in the full teardown, which kills whatever stop() could not.
    const stopError = await this.stop().then(
      () => undefined,
      (err: Error) => err.message,
    );
    liveHosts.delete(this);
    this.destroyed = true;
    const problems = teardownHostSync(this.name);
    if (problems.length && stopError) problems.unshift(stopError);
    if (problems.length) throw new Error(`Teardown of ${this.name} incomplete:\n${problems.join('\n')}`);
  }

  /**
   * Synchronous teardown for process exit/signal paths. vitest SIGKILLs a worker 500 ms after
   * SIGTERM, so there the container is killed at once (graceMs 0) rather than halted.
   */
  destroySync(graceMs = 0): string[] {
    if (this.destroyed) return [];
    this.destroyed = true;
    this.closeSsh();
    liveHosts.delete(this);
    this.child = undefined;
    this.pid = undefined;
    return teardownHostSync(this.name, graceMs);
  }

  /** Last lines of the container console (boot messages), for error reports. */
  consoleTail(lines = 40): string {
    try {
      return readFileSync(this.consoleLog, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no console output)';
    }
  }
}
