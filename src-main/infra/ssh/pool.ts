import type { ClientChannel } from 'ssh2';
import { AppError } from '../../api/app-error';
import { connectSsh } from './connect';
import type { Connected, SshTarget } from './connect';

export interface ExecOptions {
  /** Written to the command's stdin, then stdin is closed. Secrets travel this way, never in argv. */
  stdin?: string | Buffer;
  timeoutMs?: number;
  signal?: AbortSignal;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface PoolOptions {
  /** Channels open at once per server; sshd's MaxSessions defaults to 10. */
  maxChannels?: number;
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** Delays before reconnect attempts after a transient failure. */
  backoffMs?: number[];
}

interface Entry {
  serverId: string;
  conn: Connected | null;
  connecting: Promise<Connected> | null;
  active: number;
  waiters: (() => void)[];
  connects: number;
  /** Close the connection as soon as its last channel is released (the vault was locked). */
  drain: boolean;
}

const MAX_CAPTURE = 16 * 1024 * 1024;

/**
 * One SSH connection per server, shared by every operation: opened on first use, kept alive,
 * re-opened with backoff after it drops, and at most `maxChannels` channels at once per server.
 */
export class SshPool {
  private readonly entries = new Map<string, Entry>();
  private readonly maxChannels: number;
  private readonly backoffMs: number[];
  private closed = false;

  constructor(
    private readonly resolveTarget: (serverId: string) => Promise<SshTarget> | SshTarget,
    private readonly opts: PoolOptions = {},
  ) {
    this.maxChannels = opts.maxChannels ?? 6;
    this.backoffMs = opts.backoffMs ?? [250, 1000, 3000];
  }

  async exec(serverId: string, command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const entry = this.entry(serverId);
    await this.acquire(entry, opts.signal);
    try {
      for (let attempt = 0; ; attempt++) {
        const conn = await this.connection(serverId);
        try {
          return await runExec(conn, command, opts);
        } catch (err) {
          // The pooled connection died under us (server restart, network blip): drop it and retry once.
          if (err instanceof ChannelOpenError && attempt === 0) {
            this.drop(serverId, conn);
            continue;
          }
          throw err;
        }
      }
    } finally {
      this.release(entry);
    }
  }

  /** Opens (or reuses) the pooled connection. Exposed for shells and SFTP that hold a channel. */
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
          for (const c of conn.chain) c.end();
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
    conn.client.end();
    for (const c of conn.chain) c.end();
  }

  private entry(serverId: string): Entry {
    let entry = this.entries.get(serverId);
    if (!entry) {
      entry = { serverId, conn: null, connecting: null, active: 0, waiters: [], connects: 0, drain: false };
      this.entries.set(serverId, entry);
    }
    return entry;
  }

  private acquire(entry: Entry, signal?: AbortSignal): Promise<void> {
    if (entry.active < this.maxChannels) {
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
    entry.waiters.shift()?.();
    if (entry.drain && entry.active === 0) {
      entry.drain = false;
      this.close(entry.serverId);
    }
  }
}

class ChannelOpenError extends Error {}

function runExec(conn: Connected, command: string, opts: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    opts.signal?.throwIfAborted();
    conn.client.exec(command, (err, stream: ClientChannel) => {
      if (err) {
        reject(new ChannelOpenError(err.message));
        return;
      }
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;
      let timer: NodeJS.Timeout | null = null;
      let failure: unknown = null;
      const stop = (reason: unknown) => {
        failure ??= reason;
        stream.close();
      };
      const onAbort = () => stop(opts.signal?.reason ?? new Error('aborted'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const onDropped = () =>
        stop(
          new AppError('UNREACHABLE', 'The SSH connection dropped while the command was running.', {
            hint: 'Run it again; server-side scripts converge when re-run.',
          }),
        );
      conn.client.once('close', onDropped);
      if (opts.timeoutMs) {
        timer = setTimeout(
          () =>
            stop(
              new AppError(
                'TIMEOUT',
                `The command did not finish within ${Math.round(opts.timeoutMs! / 1000)} s.`,
                {
                  hint: 'The server may be overloaded; retry, or raise the timeout.',
                },
              ),
            ),
          opts.timeoutMs,
        );
      }
      stream.on('data', (chunk: Buffer) => {
        opts.onStdout?.(chunk);
        if (outBytes < MAX_CAPTURE) out.push(chunk);
        outBytes += chunk.length;
      });
      stream.stderr.on('data', (chunk: Buffer) => {
        opts.onStderr?.(chunk);
        if (errBytes < MAX_CAPTURE) errOut.push(chunk);
        errBytes += chunk.length;
      });
      stream.on('close', (code: number | null, signal: string | null) => {
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        conn.client.removeListener('close', onDropped);
        if (failure) {
          reject(failure);
          return;
        }
        if ((code === undefined || code === null) && !signal) {
          // No exit status: the channel closed because the connection went away.
          onDropped();
          reject(failure);
          return;
        }
        resolve({
          code: code ?? null,
          signal: signal ?? null,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(errOut).toString('utf8'),
        });
      });
      if (opts.stdin !== undefined) stream.end(opts.stdin);
      else stream.end();
    });
  });
}
