/**
 * A real OpenSSH sshd on loopback for the ssh tier: own host key, own authorized_keys, own port.
 * Started and stopped by each test file; nothing is written outside its temp directory (but /run/sshd,
 * which sshd needs for privilege separation).
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unusedTestUid } from '../../support/test-uid';

export interface Sshd {
  host: '127.0.0.1';
  port: number;
  dir: string;
  /** The client key authorised for `user`, OpenSSH format. */
  clientKey: string;
  clientKeyPath: string;
  user: string;
  hostPublicKey: string;
  /** SHA256:… as `ssh-keygen -lf` prints it. */
  hostFingerprint: string;
  pid: number;
  /** Everything sshd wrote to stderr so far. */
  log(): string;
  /** Restarts on the same port with a freshly generated host key (a "rebuilt" server). */
  rotateHostKey(): Promise<void>;
  /** Restarts on the same port with the same host key (drops every connection). */
  restart(): Promise<void>;
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
  // sshd reads AuthorizedKeysFile as the logging-in user: let it through the directory (keys stay 0600).
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_ed25519.pub')), { mode: 0o644 });

  // By default log in as a throwaway user with /bin/sh: root's dotfiles on the test machine (pyenv,
  // cargo …) are not ours and once hung every login. Removed again by stop().
  const ownUser = opts.user
    ? null
    : `hdssh${process.pid.toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  if (ownUser) {
    // Password '*' (no password, not locked): with UsePAM no, sshd refuses even key logins for '!'.
    execFileSync('useradd', [
      '--system',
      '--uid',
      String(unusedTestUid()),
      '--shell',
      '/bin/sh',
      '--password',
      '*',
      '--home-dir',
      join(dir, 'home'),
      '--create-home',
      ownUser,
    ]);
  }
  const user = opts.user ?? ownUser!;
  let child: ChildProcess | null = null;
  let stopped = false;
  let log = '';
  let port = 0;
  const launch = async (): Promise<boolean> => {
    const config = [
      // sshd keeps the first value of a keyword: the caller's lines win over the defaults below.
      ...(opts.config ?? []),
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
    ];
    writeFileSync(join(dir, 'sshd_config'), `${config.join('\n')}\n`);
    const proc = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
    });
    child = proc;
    return waitForBanner(port, proc, 10_000);
  };

  for (let attempt = 0; attempt < 5; attempt++) {
    port = await freePort();
    if (await launch()) {
      const fingerprint = () =>
        execFileSync('ssh-keygen', ['-lf', join(dir, 'host_ed25519.pub')])
          .toString()
          .split(' ')[1] ?? '';
      const sshd: Sshd = {
        host: '127.0.0.1',
        port,
        dir,
        user,
        clientKey: readFileSync(join(dir, 'client_ed25519'), 'utf8'),
        clientKeyPath: join(dir, 'client_ed25519'),
        hostPublicKey: readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').trim(),
        hostFingerprint: fingerprint(),
        pid: child!.pid!,
        log: () => log,
        restart: async () => {
          await stopProcess(child!);
          if (!(await launch())) throw new Error(`sshd did not restart on port ${port}:\n${log}`);
          sshd.pid = child!.pid!;
        },
        rotateHostKey: async () => {
          await stopProcess(child!);
          rmSync(join(dir, 'host_ed25519'));
          rmSync(join(dir, 'host_ed25519.pub'));
          keygen(join(dir, 'host_ed25519'));
          sshd.hostPublicKey = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').trim();
          sshd.hostFingerprint = fingerprint();
          if (!(await launch())) throw new Error(`sshd did not restart on port ${port}:\n${log}`);
          sshd.pid = child!.pid!;
        },
        stop: async () => {
          if (stopped) return;
          stopped = true;
          await stopProcess(child!);
          if (ownUser) removeUser(ownUser);
          rmSync(dir, { recursive: true, force: true });
        },
      };
      return sshd;
    }
    (child as ChildProcess | null)?.kill('SIGKILL');
    if (!/Address already in use/.test(log)) {
      if (ownUser) removeUser(ownUser);
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`sshd did not start on port ${port}:\n${log}`);
    }
  }
  throw new Error('sshd: no free port after 5 attempts');
}

/** Stops sshd and every session process it forked, so established connections drop too. */
async function stopProcess(child: ChildProcess) {
  for (const pid of descendants(child.pid!)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

function removeUser(name: string): void {
  try {
    execFileSync('pkill', ['-KILL', '-u', name], { stdio: 'ignore' });
  } catch {
    // no processes left
  }
  execFileSync('userdel', ['--force', name], { stdio: 'ignore' });
}

function descendants(pid: number): number[] {
  let direct: number[];
  try {
    direct = execFileSync('pgrep', ['-P', String(pid)])
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
  // Parents first: killing a connection's sshd before its shell drops the connection the way a
  // network cut does, instead of the command being killed and reporting an exit signal.
  return direct.flatMap((child) => [child, ...descendants(child)]);
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
