// SSH to a test host with the ssh2 package (the same library the app uses).
import ssh2 from 'ssh2';
import type { Client as SshClient, ConnectConfig } from 'ssh2';

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKey: Buffer;
}

export interface ExecResult {
  /** exit status; -1 when the command died from a signal (see `signal`) */
  code: number;
  signal?: string;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** default 180 s; the channel is closed and the call rejects when exceeded */
  timeoutMs?: number;
  /** written to the command's stdin, then EOF */
  input?: string;
}

export function connect(target: SshTarget, readyTimeoutMs: number): Promise<SshClient> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    const config: ConnectConfig = {
      ...target,
      readyTimeout: readyTimeoutMs,
      // Hosts get fresh host keys on every boot (identity-free rootfs), and they live in a
      // namespace this run created; there is no stable key to pin.
      hostVerifier: () => true,
    };
    client.once('ready', () => resolve(client));
    client.once('error', (err) => {
      client.end();
      reject(err);
    });
    client.connect(config);
  });
}

export function exec(client: SshClient, cmd: string, opts: ExecOptions = {}): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? 180_000;
  return new Promise((resolve, reject) => {
    client.exec(cmd, (err, channel) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => {
        channel.close();
        reject(
          new Error(`ssh exec timed out after ${timeoutMs} ms: ${cmd}\nstdout: ${stdout}\nstderr: ${stderr}`),
        );
      }, timeoutMs);
      channel.setEncoding('utf8');
      channel.stderr.setEncoding('utf8');
      channel.on('data', (d: string) => (stdout += d));
      channel.stderr.on('data', (d: string) => (stderr += d));
      channel.on('close', (code: number | null | undefined, signal?: string) => {
        clearTimeout(timer);
        resolve({
          code: typeof code === 'number' ? code : -1,
          ...(signal ? { signal } : {}),
          stdout,
          stderr,
        });
      });
      channel.end(opts.input ?? '');
    });
  });
}
