import { AppError } from '../../base/app-error';
import { connectSsh } from './connect';
import type { Connected, SshTarget } from './connect';
import { ChannelOpenError, execOn, shellOn } from './exec';
import type { ExecOptions, ExecResult, Shell, ShellOptions } from './exec';

export type { ExecOptions, ExecResult, Shell, ShellOptions } from './exec';

export interface PoolOptions {
  /** Commands running at once per server (more wait their turn). */
  maxChannels?: number;
  /**
   * Channels open at once per server, long-lived ones (shells, followed streams) included: sshd's
   * MaxSessions defaults to 10. Long-lived channels may never take the last `maxChannels / 3`
   * (at least 2) of it, so commands (jobs, refreshes) always get through.
   */
  maxSessions?: number;
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** Delays before reconnect attempts after a transient failure. */
  backoffMs?: number[];
}

/** Waits before asking again when the server refuses a session for now. */
const REFUSED_BACKOFF_MS = [50, 100, 250, 500, 1000, 2000];

interface Entry {
  serverId: string;
  conn: Connected | null;
  connecting: Promise<Connected> | null;
  active: number;
  /** Shells and followed streams open now (each holds its channel until it ends). */
  held: number;
  waiters: (() => void)[];
  connects: number;
  /** Close the connection as soon as its last channel is released (the vault was locked). */
  drain: boolean;
}

/**
 * One SSH connection per server, shared by every operation: opened on first use, kept alive,
 * re-opened with backoff after it drops, and at most `maxChannels` channels at once per server.
 */
export class SshPool {
  private readonly entries = new Map<string, Entry>();
  private readonly maxChannels: number;
  private readonly maxSessions: number;
  private readonly backoffMs: number[];
  private closed = false;

  constructor(
    private readonly resolveTarget: (serverId: string) => Promise<SshTarget> | SshTarget,
    private readonly opts: PoolOptions = {},
  ) {
    this.maxChannels = opts.maxChannels ?? 6;
    this.maxSessions = Math.max(opts.maxSessions ?? 10, this.maxChannels + 1);
    this.backoffMs = opts.backoffMs ?? [250, 1000, 3000];
  }

  async exec(serverId: string, command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const entry = this.entry(serverId);
    await this.acquire(entry, opts.signal);
    try {
      return await this.onChannel(serverId, (conn) => execOn(conn, command, opts));
    } finally {
      this.release(entry);
    }
  }

  /**
   * Opens a channel with `open`: when the server refuses another session for now (sshd's
   * MaxSessions counts sessions it is still tearing down), waits and asks again, keeping the
   * connection and its shells; when the pooled connection died under us (server restart, network
   * blip), drops it and retries once on a new one.
   */
  private async onChannel<T>(serverId: string, open: (conn: Connected) => Promise<T>): Promise<T> {
    let reconnected = false;
    for (let attempt = 0; ; attempt++) {
      const conn = await this.connection(serverId);
      try {
        return await open(conn);
      } catch (err) {
        if (!(err instanceof ChannelOpenError)) throw err;
        if (err.refused) {
          const delay = REFUSED_BACKOFF_MS[attempt];
          if (delay === undefined) {
            throw new AppError('SSH_ERROR', `The server refused another SSH session: ${err.message}.`, {
              hint: 'Close a terminal tab or a log stream on this server, or raise MaxSessions in its sshd_config.',
            });
          }
          await new Promise((r) => setTimeout(r, delay));
          continue;
        }
        if (reconnected)
          throw new AppError('UNREACHABLE', `The SSH connection failed as a channel opened: ${err.message}.`);
        reconnected = true;
        this.drop(serverId, conn);
      }
    }
  }

  /**
   * A command whose output is only watched (`onStdout`), never kept: a followed journal. It holds
   * one of the long-lived channels until it ends or `signal` aborts.
   */
  async stream(
    serverId: string,
    command: string,
    opts: Omit<ExecOptions, 'captureStdout' | 'timeoutMs'>,
  ): Promise<ExecResult> {
    const entry = this.hold(serverId);
    try {
      return await this.onChannel(serverId, (conn) =>
        execOn(conn, command, { ...opts, captureStdout: false }),
      );
    } finally {
      this.unhold(entry);
    }
  }

  /** A shell with a PTY; it holds one of the long-lived channels until it closes. */
  async shell(serverId: string, opts: ShellOptions): Promise<Shell> {
    const entry = this.hold(serverId);
    try {
      return await this.onChannel(serverId, (conn) =>
        shellOn(conn, {
          ...opts,
          onClose: (code) => {
            this.unhold(entry);
            opts.onClose(code);
          },
        }),
      );
    } catch (err) {
      this.unhold(entry);
      throw err;
    }
  }

  /** Opens (or reuses) the pooled connection (SFTP transfers hold it this way). */
  async connection(serverId: string): Promise<Connected> {
    if (this.closed)
      throw new AppError('INVALID_STATE', 'SSH connections are closed (Hostdeck is quitting).');
    const entry = this.entry(serverId);
    if (entry.conn) return entry.conn;
    entry.drain = false;
    if (!entry.connecting) {
      entry.connecting = this.connectWithBackoff(serverId, entry).finally(() => {
        entry.connecting = null;
      });
    }
    return entry.connecting;
  }

  /** Closes a server's connection (after its address, auth or host key changed). */
  close(serverId: string): void {
    const entry = this.entries.get(serverId);
    if (entry?.conn) this.drop(serverId, entry.conn);
  }

  closeAll(): void {
    this.closed = true;
    for (const id of [...this.entries.keys()]) this.close(id);
  }

  /**
   * The vault was locked: idle connections close now, busy ones (a job still running) as soon as
   * their last channel is released. Opening a connection again needs the vault's credentials.
   */
  revoke(): void {
    for (const [id, entry] of this.entries) {
      if (entry.active === 0) this.close(id);
      else entry.drain = true;
    }
  }

  /** How many times a server's connection was opened (tests and diagnostics). */
  connectCount(serverId: string): number {
    return this.entries.get(serverId)?.connects ?? 0;
  }

  private async connectWithBackoff(serverId: string, entry: Entry): Promise<Connected> {
    for (let attempt = 0; ; attempt++) {
      const target = await this.resolveTarget(serverId);
      try {
        const conn = await connectSsh(target, {
          readyTimeoutMs: this.opts.readyTimeoutMs ?? 15_000,
          keepaliveIntervalMs: this.opts.keepaliveIntervalMs ?? 15_000,
        });
        entry.connects += 1;
        entry.conn = conn;
        const onGone = () => {
          if (entry.conn === conn) entry.conn = null;
          conn.close();
        };
        conn.client.once('close', onGone);
        // The server hung up: ssh2 refuses new channels ("Not connected") from this moment, but emits
        // 'close' only an event-loop turn or more later. Stop handing the connection out now.
        conn.client.once('end', onGone);
        conn.client.on('error', onGone);
        return conn;
      } catch (err) {
        const transient = err instanceof AppError && (err.code === 'UNREACHABLE' || err.code === 'SSH_ERROR');
        const delay = this.backoffMs[attempt];
        if (!transient || delay === undefined || this.closed) throw err;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private drop(serverId: string, conn: Connected): void {
    const entry = this.entries.get(serverId);
    if (entry && entry.conn === conn) entry.conn = null;
    conn.close();
  }

  /** Takes a long-lived channel, or refuses with a sentence when the server's budget is spent. */
  private hold(serverId: string): Entry {
    const entry = this.entry(serverId);
    const reserve = Math.max(2, Math.floor(this.maxChannels / 3));
    if (entry.held + 1 > this.maxSessions - reserve) {
      throw new AppError(
        'CONFLICT',
        `${entry.held} shells and log streams are already open on this server; SSH allows ${this.maxSessions} channels on one connection and Hostdeck keeps ${reserve} for its own commands.`,
        { hint: 'Close a terminal tab or stop following a log there first.' },
      );
    }
    entry.held += 1;
    return entry;
  }

  private unhold(entry: Entry): void {
    entry.held -= 1;
    this.freed(entry);
  }

  private entry(serverId: string): Entry {
    let entry = this.entries.get(serverId);
    if (!entry) {
      entry = {
        serverId,
        conn: null,
        connecting: null,
        active: 0,
        held: 0,
        waiters: [],
        connects: 0,
        drain: false,
      };
      this.entries.set(serverId, entry);
    }
    return entry;
  }

  /** A command may run when fewer than maxChannels run and the server's session budget has room. */
  private canRun(entry: Entry): boolean {
    return entry.active < this.maxChannels && entry.active + entry.held < this.maxSessions;
  }

  private acquire(entry: Entry, signal?: AbortSignal): Promise<void> {
    if (this.canRun(entry)) {
      entry.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        entry.active += 1;
        resolve();
      };
      const onAbort = () => {
        entry.waiters = entry.waiters.filter((w) => w !== grant);
        reject(signal?.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      entry.waiters.push(grant);
    });
  }

  private release(entry: Entry): void {
    entry.active -= 1;
    this.freed(entry);
  }

  /** A channel ended: the next waiting command may run; a revoked connection closes once idle. */
  private freed(entry: Entry): void {
    if (this.canRun(entry)) entry.waiters.shift()?.();
    if (entry.drain && entry.active === 0 && entry.held === 0) {
      entry.drain = false;
      this.close(entry.serverId);
    }
  }
}
