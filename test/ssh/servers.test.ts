import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from './harness/app';
import { addKeyServer } from './harness/key-server';
import { startPasswordServer } from './harness/password-server';
import type { TestApp } from './harness/app';
import { trustHostKey } from '../support/trusted-server';
import { startSshd } from './harness/sshd';
import type { Sshd } from './harness/sshd';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function app(opts: Parameters<typeof startApp>[0] = {}) {
  const a = await startApp(opts);
  cleanups.push(() => a.close());
  return a;
}

async function sshd(opts: Parameters<typeof startSshd>[0] = {}) {
  const s = await startSshd(opts);
  cleanups.push(() => s.stop());
  return s;
}

/** A server record signing in with a key of the vault (its host key not confirmed yet). */
const keyServer = (
  a: TestApp,
  name: string,
  host: string,
  port: number,
  username: string,
  secretId: string,
) => a.call('servers.add', { name, host, port, username, auth: { kind: 'key', secretId } });

describe('servers over real SSH', () => {
  it('shows the fingerprint on first contact and refuses to connect until it is confirmed', async () => {
    const [a, s] = await Promise.all([app(), sshd()]);
    const key = await a.call('vault.sshKeys.import', { label: 'k', privateKey: s.clientKey });
    const server = await keyServer(a, 'web-1', s.host, s.port, s.user, key.id);

    const [before] = await a.call('servers.refresh', { ids: [server.id] });
    expect(before?.status).toBe('host-key-unknown');
    expect(before?.facts).toBeNull();

    const probe = await a.call('servers.probeHostKey', { id: server.id });
    expect(probe).toMatchObject({
      type: 'ssh-ed25519',
      fingerprint: s.hostFingerprint,
      trustedFingerprint: null,
      matches: false,
    });

    const wrong = await a.fail('servers.trustHostKey', {
      id: server.id,
      fingerprint: `SHA256:${'A'.repeat(43)}`,
    });
    expect(wrong.code).toBe('CONFLICT');

    const trusted = await a.call('servers.trustHostKey', { id: server.id, fingerprint: probe.fingerprint });
    expect(trusted.hostKey?.fingerprint).toBe(s.hostFingerprint);
  });

  it('authenticates with a vault key and caches the facts it reads', async () => {
    const [a, s] = await Promise.all([app(), sshd()]);
    const server = await addKeyServer(a, s);
    const [after] = await a.call('servers.refresh', { ids: [server.id] });
    expect(after).toMatchObject({ status: 'online', lastError: null });
    expect(after?.facts).toMatchObject({
      kernel: release(),
      arch: execFileSync('uname', ['-m']).toString().trim(),
    });
    expect(after?.facts?.cpus).toBeGreaterThan(0);
    expect(after?.facts?.memory.totalBytes).toBeGreaterThan(0);
    expect(after?.factsAt).not.toBeNull();

    // Offline: the stored facts are still there, with their "as of" time, when the host is gone.
    await s.stop();
    const [offline] = await a.call('servers.refresh', { ids: [server.id] });
    expect(offline?.lastError).toMatch(/refused the connection/);
    expect(offline?.status).toBe('unreachable');
    expect(offline?.facts?.kernel).toBe(release());
    expect(offline?.factsAt).toBe(after?.factsAt);
  });

  it('authenticates with a password from the vault, and says so clearly when it is wrong', async () => {
    const { app: a, serverId } = await startPasswordServer(cleanups);
    const server = { id: serverId };
    const bad = await a.call('vault.secrets.add', {
      kind: 'password',
      label: 'bad',
      password: 'not-the-password',
    });

    expect((await a.call('servers.refresh', { ids: [server.id] }))[0]?.status).toBe('online');

    await a.call('servers.update', { id: server.id, auth: { kind: 'password', secretId: bad.id } });
    const [refused] = await a.call('servers.refresh', { ids: [server.id] });
    expect(refused?.status).toBe('auth-failed');
    expect(refused?.lastError).toMatch(/refused the credentials/);
    expect(refused?.lastError).not.toContain('not-the-password');
  });

  it('authenticates through a running ssh-agent', async () => {
    const s = await sshd();
    const dir = mkdtempSync(join(tmpdir(), 'hostdeck-agent-'));
    const socket = join(dir, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    cleanups.push(() => {
      agent.kill();
      rmSync(dir, { recursive: true, force: true });
    });
    await waitFor(() => {
      try {
        execFileSync('ssh-add', ['-l'], { env: { SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
        return true;
      } catch (err) {
        return (err as { status?: number }).status === 1; // 1 = agent up, no keys yet
      }
    });
    execFileSync('ssh-add', [s.clientKeyPath], { env: { SSH_AUTH_SOCK: socket }, stdio: 'ignore' });

    const a = await app({ env: { SSH_AUTH_SOCK: socket } });
    const server = await a.call('servers.add', {
      name: 'agent-host',
      host: s.host,
      port: s.port,
      username: s.user,
      auth: { kind: 'agent' },
    });
    await trustHostKey((n, i) => a.call(n as never, i as never), server.id);
    expect((await a.call('servers.refresh', { ids: [server.id] }))[0]?.status).toBe('online');
  });

  it('refuses a server whose host key was replaced, until the operator deliberately replaces it', async () => {
    const [a, s] = await Promise.all([app(), sshd()]);
    const server = await addKeyServer(a, s);
    const oldFingerprint = s.hostFingerprint;
    expect((await a.call('servers.refresh', { ids: [server.id] }))[0]?.status).toBe('online');

    await s.rotateHostKey();
    const [refused] = await a.call('servers.refresh', { ids: [server.id] });
    expect(refused?.status).toBe('host-key-mismatch');
    expect(refused?.lastError).toContain(`Host key for web-1 (127.0.0.1:${s.port}) changed since`);
    expect(refused?.lastError).toContain(oldFingerprint);
    expect(refused?.lastError).toContain(s.hostFingerprint);

    // Trusting (first-contact) cannot overwrite a known key; only the deliberate replace can.
    expect(
      (await a.fail('servers.trustHostKey', { id: server.id, fingerprint: s.hostFingerprint })).code,
    ).toBe('HOST_KEY_MISMATCH');
    await a.call('servers.replaceHostKey', { id: server.id, fingerprint: s.hostFingerprint });
    expect((await a.call('servers.refresh', { ids: [server.id] }))[0]?.status).toBe('online');
    const audit = await a.call('audit.list', {});
    expect(audit.find((e) => e.action === 'servers.replaceHostKey')?.detail).toMatchObject({
      previous: oldFingerprint,
      fingerprint: s.hostFingerprint,
    });
  });

  it('reports a closed port as unreachable', async () => {
    const a = await app();
    const key = await a.call('vault.sshKeys.generate', { label: 'k' });
    const port = await closedPort();
    const server = await keyServer(a, 'closed', '127.0.0.1', port, 'root', key.id);
    const err = await a.fail('servers.probeHostKey', { id: server.id });
    expect(err.code).toBe('UNREACHABLE');
    expect(err.message).toMatch(/refused the connection/);
  });

  it('reports a host that accepts TCP but never speaks SSH as a timeout', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((sock) => sockets.add(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(() => {
      for (const sock of sockets) sock.destroy();
      return new Promise((r) => silent.close(r));
    });
    const a = await app({ ssh: { readyTimeoutMs: 1500 } });
    const key = await a.call('vault.sshKeys.generate', { label: 'k' });
    const port = (silent.address() as { port: number }).port;
    const server = await keyServer(a, 'silent', '127.0.0.1', port, 'root', key.id);
    const started = Date.now();
    const err = await a.fail('servers.probeHostKey', { id: server.id });
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toMatch(/did not answer within 2 s/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reaches a server through a jump host', async () => {
    const [a, jump, target] = await Promise.all([app(), sshd({ config: ['LogLevel DEBUG1'] }), sshd()]);
    const bastion = await addKeyServer(a, jump, 'bastion');
    const inner = await addKeyServer(a, target, 'inner', { jumpServerId: bastion.id });
    const [result] = await a.call('servers.refresh', { ids: [inner.id] });
    expect(result?.status).toBe('online');
    // The bastion's sshd opened the forwarded connection to the inner server's port.
    expect(jump.log()).toMatch(new RegExp(`direct-tcpip.*${target.port}|port ${target.port}`));
  });

  it('installs the app key with a one-time password, switches to key auth, and does it only once', async () => {
    const { app: a, user, serverId, authorizedKeys: homeKeys } = await startPasswordServer(cleanups);
    const server = { id: serverId };

    const switched = await a.call('servers.installKey', { id: server.id, password: user.password });
    expect(switched.auth.kind).toBe('key');
    const keyId = (switched.auth as { secretId: string }).secretId;
    const key = (await a.call('vault.secrets.list', {})).find((k) => k.id === keyId);
    expect(readFileSync(homeKeys, 'utf8').trim()).toBe(key?.publicKey);
    expect((await a.call('servers.refresh', { ids: [server.id] }))[0]?.status).toBe('online');

    await a.call('servers.installKey', { id: server.id, password: user.password });
    expect(readFileSync(homeKeys, 'utf8').trim().split('\n')).toHaveLength(1);

    const wrong = await a.fail('servers.installKey', { id: server.id, password: 'nope-nope' });
    expect(wrong.code).toBe('AUTH_FAILED');
  });
});

describe('the SSH pool', () => {
  let a: TestApp;
  let s: Sshd;
  let id: string;
  beforeAll(async () => {
    [a, s] = await Promise.all([startApp({ ssh: { maxChannels: 3 } }), startSshd()]);
    id = (await addKeyServer(a, s)).id;
  });
  afterAll(async () => {
    await a?.close();
    await s?.stop();
  });

  it('shares one connection across many operations and caps channels per server', async () => {
    const before = a.hd.pool.connectCount(id);
    // Each command bumps a counter on the server while it runs; the peak is how many ran at once.
    const dir = mkdtempSync(join(tmpdir(), 'hostdeck-pool-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync('sh', [
      '-c',
      'echo 0 > "$1/n"; echo 0 > "$1/max"; touch "$1/lock"; chmod -R a+rwX "$1"',
      'sh',
      dir,
    ]);
    const cmd = `set -e; d=${dir}
(flock 9; n=$(($(cat $d/n)+1)); echo $n > $d/n; if [ $n -gt $(cat $d/max) ]; then echo $n > $d/max; fi) 9>>$d/lock
sleep 0.15
(flock 9; echo $(($(cat $d/n)-1)) > $d/n) 9>>$d/lock
echo done`;
    const results = await Promise.all(Array.from({ length: 12 }, () => a.hd.pool.exec(id, cmd)));
    expect(results.map((r) => r.stdout)).toEqual(Array(12).fill('done\n'));
    const peak = Number(readFileSync(join(dir, 'max'), 'utf8'));
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(3);
    expect(a.hd.pool.connectCount(id) - before).toBeLessThanOrEqual(1);
  });

  it('counts shells against the session budget, keeping room for commands', async () => {
    const closed: (number | null)[] = [];
    const open = () =>
      a.hd.pool.shell(id, { cols: 80, rows: 24, onData: () => undefined, onClose: (c) => closed.push(c) });
    // sshd allows 10 sessions per connection; two stay free for commands.
    const shells = [];
    for (let i = 0; i < 8; i++) shells.push(await open());
    await expect(open()).rejects.toMatchObject({ code: 'CONFLICT' });
    const results = await Promise.all(Array.from({ length: 4 }, () => a.hd.pool.exec(id, 'echo free')));
    expect(results.map((r) => r.stdout)).toEqual(Array(4).fill('free\n'));
    shells.pop()!.close();
    expect(closed).toEqual([null]);
    shells.push(await open());
    for (const sh of shells) sh.close();
    expect(closed).toHaveLength(9);
  });

  it('reopens a shell straight after closing one at the budget, while sshd still tears the old one down', async () => {
    const open = () =>
      a.hd.pool.shell(id, { cols: 80, rows: 24, onData: () => undefined, onClose: () => undefined });
    const shells = [];
    for (let i = 0; i < 8; i++) shells.push(await open());
    // Each close frees the pool's slot at once; sshd counts the session until its shell exits, so
    // the next open may be refused for a moment and must be asked again, not fail.
    for (let round = 0; round < 15; round++) {
      shells.shift()!.close();
      shells.push(await open());
    }
    expect(shells).toHaveLength(8);
    for (const sh of shells) sh.close();
  });

  it('streams a watched command without keeping its output', async () => {
    let bytes = 0;
    const r = await a.hd.pool.stream(id, 'seq 1 200000', { onStdout: (chunk) => (bytes += chunk.length) });
    expect(r.code).toBe(0);
    expect(bytes).toBe(1_288_895); // what `seq 1 200000 | wc -c` prints
    expect(r.stdout).toBe('');
  });

  it('passes stdin to the command without putting it in argv', async () => {
    const r = await a.hd.pool.exec(id, 'cat; echo; cat /proc/$$/cmdline | tr "\\0" " "', {
      stdin: 'top-secret-value',
    });
    expect(r.stdout.split('\n')[0]).toBe('top-secret-value');
    expect(r.stdout.split('\n').slice(1).join('\n')).not.toContain('top-secret-value');
  });

  it('reconnects after the server drops every connection', async () => {
    await a.hd.pool.exec(id, 'true');
    const before = a.hd.pool.connectCount(id);
    await s.restart();
    const r = await a.hd.pool.exec(id, 'echo back');
    expect(r.stdout).toBe('back\n');
    expect(a.hd.pool.connectCount(id)).toBe(before + 1);
  });

  it('fails a command cut off by a dropped connection with a clear reason', async () => {
    const marker = `hd-drop-${Date.now()}`;
    const pending = a.hd.pool.exec(id, `sleep 30 # ${marker}`);
    const outcome = pending.then(
      () => null,
      (err: unknown) => err,
    );
    await waitFor(() => {
      try {
        execFileSync('pgrep', ['-f', marker], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    });
    await s.restart();
    expect(String(await outcome)).toMatch(/dropped while the command was running/);
  });
});

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
