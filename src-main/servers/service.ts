import { randomUUID } from 'node:crypto';
import type { HostKeyProbeResult, ServerInfo, ServerStatus } from '@contract';
import { AppError, notFound } from '../base/app-error';
import type { EventBus } from '../base/events';
import type { CallContext } from '../base/call';
import type { References } from '../base/references';
import { connectSsh, HostKeyProbe } from '../infra/ssh/connect';
import type { SshAuth, SshTarget } from '../infra/ssh/connect';
import { execOn } from '../infra/ssh/exec';
import type { SshPool } from '../infra/ssh/pool';
import type { VaultService } from '../vault';
import { describeKey } from '../infra/ssh/keys';
import { FACTS_SCRIPT, INSTALL_KEY_SCRIPT, parseFacts } from './facts';
import { toInfo } from './repository';
import type { ServerRecord, ServerRepository, ServerWrite } from './repository';

const statusOf: Record<string, ServerStatus> = {
  UNREACHABLE: 'unreachable',
  TIMEOUT: 'timeout',
  AUTH_FAILED: 'auth-failed',
  HOST_KEY_UNKNOWN: 'host-key-unknown',
  HOST_KEY_MISMATCH: 'host-key-mismatch',
};

/** What servers need of the vault: a sealed secret to sign in with, and the MAC that pins host keys. */
export type ServerVault = Pick<
  VaultService,
  'use' | 'info' | 'list' | 'generateSshKey' | 'mac' | 'verifyMac' | 'redact'
>;

export interface ServerServiceDeps {
  repo: ServerRepository;
  vault: ServerVault;
  pool: Pick<SshPool, 'exec' | 'close'>;
  references: References;
  events: EventBus;
  now?: () => Date;
  env?: NodeJS.ProcessEnv;
  connectTimeoutMs?: number;
}

/** The server inventory and everything that talks to a server about itself (host key, facts, key install). */
const PIN_PURPOSE = 'host-key-pin';

/** What a host-key pin's HMAC covers: the server it belongs to and everything of the key. */
const pinData = (
  serverId: string,
  k: { type: string; key: string; fingerprint: string; trustedAt: string },
) => JSON.stringify([serverId, k.type, k.key, k.fingerprint, k.trustedAt]);

export class ServerService {
  private readonly now: () => Date;

  constructor(private readonly d: ServerServiceDeps) {
    this.now = d.now ?? (() => new Date());
  }

  list(): ServerInfo[] {
    return this.d.repo.list().map(toInfo);
  }

  get(id: string): ServerInfo {
    return toInfo(this.record(id));
  }

  add(input: ServerWrite, call: CallContext): ServerInfo {
    this.validate(input, null);
    const id = randomUUID();
    this.d.repo.insert(id, input, this.stamp());
    call.audit({
      action: 'servers.add',
      target: id,
      detail: { name: input.name, host: input.host, port: input.port },
    });
    return this.changed(id);
  }

  update(id: string, patch: Partial<ServerWrite>, call: CallContext): ServerInfo {
    const current = this.record(id);
    const next: ServerWrite = {
      name: patch.name ?? current.name,
      host: patch.host ?? current.host,
      port: patch.port ?? current.port,
      username: patch.username ?? current.username,
      auth: patch.auth ?? current.auth,
      jumpServerId: patch.jumpServerId === undefined ? current.jumpServerId : patch.jumpServerId,
      tags: patch.tags ?? current.tags,
      notes: patch.notes ?? current.notes,
    };
    this.validate(next, id);
    this.d.repo.update(id, next, this.stamp());
    this.d.pool.close(id);
    call.audit({ action: 'servers.update', target: id, detail: { fields: Object.keys(patch) } });
    return this.changed(id);
  }

  /** Removes a server from the inventory; whoever uses it (sites, servers jumping through it) refuses first. */
  remove(id: string, call: CallContext): void {
    const server = this.record(id);
    this.d.references.refuseWhileUsed(
      'server',
      id,
      `The server ${server.name}`,
      'Delete its sites first (each keeps a final backup on request), and connect servers that jump through it another way; nothing was removed.',
    );
    this.d.pool.close(id);
    this.d.repo.remove(id);
    call.audit({ action: 'servers.remove', target: id, detail: { name: server.name, host: server.host } });
    this.d.events.emit('servers.changed', toInfo(server));
  }

  async probeHostKey(id: string): Promise<HostKeyProbeResult> {
    const server = this.record(id);
    const presented = await this.presentedKey(server);
    const trusted = server.hostKey?.fingerprint ?? null;
    return {
      type: presented.type,
      fingerprint: presented.fingerprint,
      trustedFingerprint: trusted,
      matches: trusted === presented.fingerprint,
    };
  }

  /** First connection: store the key the operator confirmed (re-read now, so it cannot be swapped in between). */
  async trustHostKey(id: string, fingerprint: string, call: CallContext): Promise<ServerInfo> {
    const server = this.record(id);
    if (server.hostKey && server.hostKey.fingerprint !== fingerprint) {
      throw new AppError(
        'HOST_KEY_MISMATCH',
        `${server.name} already has a trusted host key (${server.hostKey.fingerprint}).`,
        {
          hint: 'Use "Replace host key" if the server was rebuilt.',
        },
      );
    }
    if (server.hostKey) return this.get(id);
    return this.storeKey(server, fingerprint, call, 'servers.trustHostKey');
  }

  async replaceHostKey(id: string, fingerprint: string, call: CallContext): Promise<ServerInfo> {
    return this.storeKey(this.record(id), fingerprint, call, 'servers.replaceHostKey');
  }

  /**
   * With a one-time password (never stored), appends the vault key's public half to the user's
   * authorized_keys, proves key login works, then switches the server to key auth.
   */
  async installKey(
    id: string,
    password: string,
    keyId: string | undefined,
    call: CallContext,
  ): Promise<ServerInfo> {
    const server = this.record(id);
    if (!server.hostKey) {
      throw new AppError(
        'HOST_KEY_UNKNOWN',
        `Confirm ${server.name}'s host key before sending it a password.`,
      );
    }
    const key = keyId
      ? this.d.vault.info(keyId)
      : server.auth.kind === 'key'
        ? this.d.vault.info(server.auth.secretId)
        : this.d.vault.generateSshKey(`Hostdeck key for ${server.name}`);
    if (key.kind !== 'ssh-key' || !key.publicKey)
      throw new AppError('VALIDATION', 'Choose an SSH key.', { field: 'keyId' });
    // What goes into authorized_keys comes from the sealed private key (authenticated by the vault's
    // AEAD), never from the plain public_key column: a key swapped in the file would grant someone
    // else root on the server.
    const sealed = this.d.vault.use(key.id, 'ssh-key');
    const derived = describeKey(sealed.privateKey, sealed.passphrase, '');
    const [type, blob] = key.publicKey.split(' ');
    if (`${type} ${blob}` !== derived.publicKey) {
      throw new AppError(
        'TAMPERED',
        `The public key stored for "${key.label}" does not belong to its private key: it was changed in Hostdeck's database outside Hostdeck, so it is not installed anywhere.`,
        {
          hint: 'Generate a new key for this server. If you did not change the database, someone with access to this laptop did.',
        },
      );
    }

    const base = await this.target(server, new Set());
    const withPassword = await connectSsh(
      { ...base, auth: { kind: 'password', password } },
      { readyTimeoutMs: this.timeout() },
    );
    try {
      const result = await execOn(withPassword, INSTALL_KEY_SCRIPT, { stdin: `${key.publicKey}\n` });
      if (result.code !== 0) {
        throw new AppError(
          'SSH_ERROR',
          `Adding the key on ${server.name} failed: ${result.stderr.trim() || `exit ${result.code}`}.`,
        );
      }
    } finally {
      withPassword.close();
    }
    const keyAuth = this.authFor({ kind: 'key', secretId: key.id });
    const proof = await connectSsh({ ...base, auth: keyAuth }, { readyTimeoutMs: this.timeout() });
    proof.close();

    this.d.repo.update(id, { ...server, auth: { kind: 'key', secretId: key.id } }, this.stamp());
    this.d.pool.close(id);
    call.audit({
      action: 'servers.installKey',
      target: id,
      detail: { keyId: key.id, fingerprint: key.fingerprint },
    });
    return this.changed(id);
  }

  /** Reads facts from each server in parallel; each outcome (online or why not) is stored and returned. */
  async refresh(ids: string[] | undefined): Promise<ServerInfo[]> {
    const servers = ids ? ids.map((id) => this.record(id)) : this.d.repo.list();
    await Promise.all(servers.map((s) => this.refreshOne(s)));
    return servers.map((s) => this.get(s.id));
  }

  /** Builds the connection target for a server (for the pool). */
  async resolveTarget(id: string): Promise<SshTarget> {
    return this.target(this.record(id), new Set());
  }

  private async refreshOne(server: ServerRecord): Promise<void> {
    try {
      const result = await this.d.pool.exec(server.id, FACTS_SCRIPT, { timeoutMs: 30_000 });
      if (result.code !== 0)
        throw new AppError(
          'SSH_ERROR',
          `The facts query exited with ${result.code}: ${result.stderr.trim()}`,
        );
      this.d.repo.setFacts(server.id, parseFacts(result.stdout), this.stamp());
    } catch (err) {
      const code = err instanceof AppError ? err.code : 'INTERNAL';
      if (code === 'LOCKED') throw err;
      const message = this.d.vault.redact(err instanceof Error ? err.message : String(err));
      this.d.repo.setStatus(server.id, statusOf[code] ?? 'error', message, this.stamp());
    }
    this.changed(server.id);
  }

  private async storeKey(
    server: ServerRecord,
    fingerprint: string,
    call: CallContext,
    action: string,
  ): Promise<ServerInfo> {
    const presented = await this.presentedKey(server);
    if (presented.fingerprint !== fingerprint) {
      throw new AppError(
        'CONFLICT',
        `${server.name} now presents ${presented.fingerprint}, not the key you confirmed.`,
        {
          hint: 'Check again before trusting it: the key changed between the check and the confirmation.',
        },
      );
    }
    this.d.repo.setHostKey(server.id, presented, this.stamp(), (trustedAt) =>
      this.d.vault.mac(PIN_PURPOSE, pinData(server.id, { ...presented, trustedAt })),
    );
    this.d.pool.close(server.id);
    call.audit({
      action,
      target: server.id,
      detail: {
        previous: server.hostKey?.fingerprint ?? null,
        fingerprint: presented.fingerprint,
        type: presented.type,
      },
    });
    return this.changed(server.id);
  }

  private async presentedKey(server: ServerRecord) {
    const base = await this.target(server, new Set(), { authless: true });
    try {
      const conn = await connectSsh(base, { probeOnly: true, readyTimeoutMs: this.timeout() });
      conn.close();
      throw new AppError('SSH_ERROR', 'The server completed a handshake without presenting a host key.');
    } catch (err) {
      if (err instanceof HostKeyProbe) return err.presented;
      throw err;
    }
  }

  private async target(
    server: ServerRecord,
    seen: Set<string>,
    opts: { authless?: boolean } = {},
  ): Promise<SshTarget> {
    if (seen.has(server.id))
      throw new AppError('VALIDATION', `The jump hosts of ${server.name} form a loop.`, {
        field: 'jumpServerId',
      });
    seen.add(server.id);
    // A probe (authless) only reads the key the server presents: it is how a broken pin is replaced.
    if (!opts.authless) this.verifyPin(server);
    const via = server.jumpServerId ? await this.target(this.record(server.jumpServerId), seen) : undefined;
    return {
      label: `${server.name} (${server.host}:${server.port})`,
      host: server.host,
      port: server.port,
      username: server.username,
      auth: opts.authless ? { kind: 'password', password: '' } : this.authFor(server.auth),
      trustedHostKey:
        server.hostKey && server.hostKeyBlob
          ? {
              key: server.hostKeyBlob,
              fingerprint: server.hostKey.fingerprint,
              trustedAt: server.hostKey.trustedAt,
            }
          : null,
      ...(via ? { via } : {}),
    };
  }

  /**
   * The server's pinned host key as an OpenSSH public key line ("ssh-ed25519 AAAA…"), checked
   * against its HMAC first: what another server of the fleet pins to reach this one (an offsite
   * backup copy), with nothing trusted on first use. Null when none is pinned yet.
   */
  pinnedHostKey(id: string): string | null {
    const server = this.record(id);
    this.verifyPin(server);
    return server.hostKey && server.hostKeyBlob ? `${server.hostKey.type} ${server.hostKeyBlob}` : null;
  }

  /**
   * The pinned host key is the one Hostdeck stored: its HMAC under the vault must match, or the
   * pin was changed in the SQLite file (to let a different server pass as this one) and nothing
   * connects with it. A 'legacy' pin (made before pins were bound) is signed on first use.
   */
  private verifyPin(server: ServerRecord): void {
    if (!server.hostKey || !server.hostKeyBlob) return;
    const data = pinData(server.id, { ...server.hostKey, key: server.hostKeyBlob });
    if (server.hostKeyMac === 'legacy') {
      this.d.repo.setHostKeyMac(server.id, this.d.vault.mac(PIN_PURPOSE, data));
      return;
    }
    if (!server.hostKeyMac || !this.d.vault.verifyMac(PIN_PURPOSE, data, server.hostKeyMac)) {
      throw new AppError(
        'TAMPERED',
        `The pinned host key of ${server.name} was changed in Hostdeck's database outside Hostdeck, so Hostdeck will not connect with it.`,
        {
          hint: "Check the server's key out of band, then confirm it again in Server → Security. If you did not change the database, someone with access to this laptop did.",
        },
      );
    }
  }

  private authFor(auth: ServerInfo['auth']): SshAuth {
    if (auth.kind === 'agent') {
      const socket = (this.d.env ?? process.env).SSH_AUTH_SOCK;
      if (!socket) {
        throw new AppError(
          'UNAVAILABLE',
          'No ssh-agent is running for Hostdeck (SSH_AUTH_SOCK is not set).',
          {
            hint: 'Start Hostdeck from a session with an ssh-agent, or use a key from the vault.',
          },
        );
      }
      return { kind: 'agent', socket };
    }
    if (auth.kind === 'key') {
      const key = this.d.vault.use(auth.secretId, 'ssh-key');
      return {
        kind: 'key',
        privateKey: key.privateKey,
        ...(key.passphrase ? { passphrase: key.passphrase } : {}),
      };
    }
    return { kind: 'password', password: this.d.vault.use(auth.secretId, 'password').password };
  }

  private validate(s: ServerWrite, id: string | null): void {
    const clash = this.d.repo.byName(s.name);
    if (clash && clash.id !== id) {
      throw new AppError('CONFLICT', `A server named "${s.name}" already exists.`, {
        field: 'name',
        hint: 'Choose another name.',
      });
    }
    if (s.auth.kind !== 'agent') {
      const secret = this.d.vault.list().find((x) => x.id === (s.auth as { secretId: string }).secretId);
      const wanted = s.auth.kind === 'key' ? 'ssh-key' : 'password';
      if (!secret || secret.kind !== wanted) {
        throw new AppError(
          'VALIDATION',
          `Choose ${wanted === 'ssh-key' ? 'an SSH key' : 'a password'} from the vault.`,
          {
            field: 'auth.secretId',
          },
        );
      }
    }
    if (s.jumpServerId) {
      if (s.jumpServerId === id)
        throw new AppError('VALIDATION', 'A server cannot be its own jump host.', { field: 'jumpServerId' });
      const seen = new Set<string>(id ? [id] : []);
      for (let j: string | null = s.jumpServerId; j; j = this.record(j).jumpServerId) {
        if (seen.has(j))
          throw new AppError('VALIDATION', 'Those jump hosts would form a loop.', { field: 'jumpServerId' });
        seen.add(j);
      }
    }
  }

  private record(id: string): ServerRecord {
    const server = this.d.repo.get(id);
    if (!server) throw notFound('Server', id);
    return server;
  }

  private changed(id: string): ServerInfo {
    const info = this.get(id);
    this.d.events.emit('servers.changed', info);
    return info;
  }

  private timeout() {
    return this.d.connectTimeoutMs ?? 15_000;
  }

  private stamp() {
    return this.now().toISOString();
  }
}
