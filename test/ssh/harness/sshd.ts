/**
 * A real OpenSSH sshd on loopback for the ssh tier: own host key, own authorized_keys, own port.
 * Started and stopped by each test file; nothing is written outside its temp directory (but /run/sshd,
 * which sshd needs for privilege separation).
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Sshd {
  host: '127.0.0.1';
  port: number;
  dir: string;
  /** The client key authorised for `user`, OpenSSH format. */
  clientKey: string;
  clientKeyPath: string;
  user: string;
  hostPublicKey: string;
  pid: number;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Extra sshd_config lines (e.g. 'PasswordAuthentication yes'). */
  config?: string[];
  user?: string;
}

const SSHD = '/usr/sbin/sshd';

export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), 'hostdeck-sshd-'));
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const keygen = (file: string) =>
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hostdeck-test', '-f', file]);
  keygen(join(dir, 'host_ed25519'));
  keygen(join(dir, 'client_ed25519'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_ed25519.pub')), { mode: 0o600 });

  const user = opts.user ?? 'root';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const config = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_ed25519')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'UsePAM no',
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'Subsystem sftp internal-sftp',
      'LogLevel VERBOSE',
      ...(opts.config ?? []),
    ];
    writeFileSync(join(dir, 'sshd_config'), `${config.join('\n')}\n`);
    const child = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
    });
    const ready = await waitForBanner(port, child, 10_000);
    if (!ready) {
      child.kill('SIGKILL');
      if (/Address already in use/.test(log)) continue;
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`sshd did not start on port ${port}:\n${log}`);
    }
    return {
      host: '127.0.0.1',
      port,
      dir,
      user,
      clientKey: readFileSync(join(dir, 'client_ed25519'), 'utf8'),
      clientKeyPath: join(dir, 'client_ed25519'),
      hostPublicKey: readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').trim(),
      pid: child.pid!,
      stop: () => stop(child, dir),
    };
  }
  throw new Error('sshd: no free port after 5 attempts');
}

async function stop(child: ChildProcess, dir: string) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Ready = the port answers with an SSH banner (not merely accepts), polled with a deadline. */
async function waitForBanner(port: number, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    const banner = await new Promise<string>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      let data = '';
      const done = (v: string) => {
        sock.destroy();
        resolve(v);
      };
      sock.setTimeout(500, () => done(data));
      sock.on('data', (d) => {
        data += d.toString();
        if (data.includes('\n')) done(data);
      });
      sock.on('error', () => done(''));
    });
    if (banner.startsWith('SSH-2.0-')) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
