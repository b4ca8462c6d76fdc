// Channels on one open connection: a command with its output captured, a command streamed without
// buffering, and a shell with a PTY. The only place (with connect.ts) that touches ssh2's channels.
import type { ClientChannel } from 'ssh2';
import { AppError } from '../../base/app-error';
import type { Connected } from './connect';

export interface ExecOptions {
  /** Written to the command's stdin, then stdin is closed. Secrets travel this way, never in argv. */
  stdin?: string | Buffer;
  timeoutMs?: number;
  signal?: AbortSignal;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Keep stdout in the result (default). A stream that is only watched passes false: nothing piles up. */
  captureStdout?: boolean;
}

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/**
 * The channel could not be opened. `refused`: the server answered no (too many sessions, for now);
 * otherwise the connection is gone and the caller may reconnect and retry.
 */
export class ChannelOpenError extends Error {
  constructor(
    message: string,
    readonly refused: boolean,
  ) {
    super(message);
  }
}

/** ssh2 sets `reason` when the server answered the open request (with a failure or a close). */
const openFailed = (err: Error) =>
  new ChannelOpenError(err.message, (err as { reason?: unknown }).reason !== undefined);

const MAX_CAPTURE = 16 * 1024 * 1024;

const dropped = () =>
  new AppError('UNREACHABLE', 'The SSH connection dropped while the command was running.', {
    hint: 'Run it again; server-side scripts converge when re-run.',
  });

/** Runs one command on an open connection; resolves with its exit status and captured output. */
export function execOn(conn: Connected, command: string, opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    opts.signal?.throwIfAborted();
    conn.client.exec(command, (err, stream: ClientChannel) => {
      if (err) {
        reject(openFailed(err));
        return;
      }
      const capture = opts.captureStdout ?? true;
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
      const onDropped = () => stop(dropped());
      conn.client.once('close', onDropped);
      if (opts.timeoutMs) {
        const seconds = Math.round(opts.timeoutMs / 1000);
        timer = setTimeout(
          () =>
            stop(
              new AppError('TIMEOUT', `The command did not finish within ${seconds} s.`, {
                hint: 'The server may be overloaded; retry, or raise the timeout.',
              }),
            ),
          opts.timeoutMs,
        );
      }
      stream.on('data', (chunk: Buffer) => {
        opts.onStdout?.(chunk);
        if (capture && outBytes < MAX_CAPTURE) out.push(chunk);
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
          reject(dropped());
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

export interface ShellOptions {
  cols: number;
  rows: number;
  /** Run this command in the PTY instead of the login shell (built by the caller from fixed text and quoted values). */
  command?: string;
  /** Output, stdout and stderr in arrival order. */
  onData: (chunk: Buffer) => void;
  /** Once: the shell's exit code, or null when it was closed or the channel or the connection dropped. */
  onClose: (exitCode: number | null) => void;
}

/** A shell with a PTY, without ssh2's types: what a terminal needs and nothing more. */
export interface Shell {
  write(data: string): void;
  resize(cols: number, rows: number): void;
  /** Stop reading: ssh2 stops replenishing the SSH window, so the server stops sending. */
  pause(): void;
  resume(): void;
  close(): void;
}

/** Opens a PTY channel on an open connection. */
export function shellOn(conn: Connected, opts: ShellOptions): Promise<Shell> {
  const pty = { term: 'xterm-256color', cols: opts.cols, rows: opts.rows };
  return new Promise((resolve, reject) => {
    const opened = (err: Error | undefined, stream: ClientChannel) => {
      if (err) {
        reject(openFailed(err));
        return;
      }
      let exitCode: number | null = null;
      let ended = false;
      const end = (code: number | null) => {
        if (ended) return;
        ended = true;
        conn.client.removeListener('close', onDropped);
        opts.onClose(code);
      };
      const onDropped = () => end(null);
      conn.client.once('close', onDropped);
      stream.on('data', opts.onData);
      stream.stderr.on('data', opts.onData);
      stream.on('exit', (code: number | null) => {
        exitCode = code;
      });
      stream.on('close', () => end(exitCode));
      resolve({
        write: (data) => stream.write(data),
        resize: (cols, rows) => stream.setWindow(rows, cols, 0, 0),
        pause: () => stream.pause(),
        resume: () => stream.resume(),
        // Closing is ours to decide: the slot is free now, whether or not sshd answers the close
        // promptly (it waits for the shell to exit after hanging up its PTY).
        close: () => {
          stream.end();
          stream.close();
          end(exitCode);
        },
      });
    };
    if (opts.command) conn.client.exec(opts.command, { pty }, opened);
    else conn.client.shell(pty, opened);
  });
}
