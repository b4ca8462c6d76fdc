import { createHmac, hkdfSync, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { RevealedSecret, SecretInfo, SecretKind, VaultStatus } from '@contract';
import { AppError, notFound } from '../base/app-error';
import type { EventBus } from '../base/events';
import type { Keychain } from '../infra/keychain/keychain';
import {
  CryptoFailure,
  dataKeyAad,
  defaultKdf,
  deriveKey,
  newDataKey,
  newSalt,
  open,
  packSealed,
  seal,
  secretAad,
  unpackSealed,
  wipe,
} from './crypto';
import type { KdfParams } from './crypto';
import type { SecretRedactor } from './redactor';
import type { VaultRepository } from './repository';
import { describeKey, generateEd25519 } from '../infra/ssh/keys';
import { parseExportEntries } from './export-entries';

/** Decrypted payloads, by kind. Only ever held in the main process. */
export type SecretPayload =
  | { kind: 'ssh-key'; privateKey: string; passphrase?: string }
  | { kind: 'password'; password: string }
  | { kind: 'token'; token: string }
  | { kind: 'db-credential'; username: string; password: string };

const CHECK_AAD = (vaultId: string) => `hostdeck/vault/v1/key-check/${vaultId}`;
export const EXPORT_AAD = 'hostdeck/vault/v1/export';
const keychainAccount = (vaultId: string) => `vault-data-key:${vaultId}`;

export interface VaultOptions {
  kdf?: KdfParams;
  now?: () => Date;
  autoLockMinutes: () => number;
}

/**
 * The credential vault: master password → scrypt → key-encryption key, which wraps a random data key;
 * secrets are sealed under the data key with their id and kind as associated data. The data key lives
 * in this process only while unlocked, and is zeroed on lock.
 */
export class VaultService {
  private dataKey: Buffer | null = null;
  private settingUp = false;
  private idleTimer: NodeJS.Timeout | null = null;
  private keychainStatus: { available: boolean; reason: string | null } | null = null;
  private readonly kdf: KdfParams;
  private readonly now: () => Date;

  constructor(
    private readonly repo: VaultRepository,
    private readonly keychain: Keychain,
    private readonly redactor: SecretRedactor,
    private readonly events: EventBus,
    private readonly opts: VaultOptions,
  ) {
    this.kdf = opts.kdf ?? defaultKdf;
    this.now = opts.now ?? (() => new Date());
  }

  async status(): Promise<VaultStatus> {
    const meta = this.repo.meta();
    const keychain = await this.probeKeychain();
    return {
      state: !meta ? 'uninitialised' : this.dataKey ? 'unlocked' : 'locked',
      keychain: { ...keychain, enabled: Boolean(meta?.keychainEnabled) && keychain.available },
      autoLockMinutes: this.opts.autoLockMinutes(),
    };
  }

  /** Whether a vault was set up in this data directory. */
  exists(): boolean {
    return Boolean(this.repo.meta());
  }

  isUnlocked(): boolean {
    return this.dataKey !== null;
  }

  async setup(password: string): Promise<VaultStatus> {
    if (this.repo.meta() || this.settingUp) {
      throw new AppError('CONFLICT', 'A vault already exists.', {
        hint: 'Unlock it with its master password.',
      });
    }
    this.settingUp = true;
    try {
      return await this.create(password);
    } finally {
      this.settingUp = false;
    }
  }

  private async create(password: string): Promise<VaultStatus> {
    const vaultId = randomUUID();
    const salt = newSalt();
    const kek = await deriveKey(password, salt, this.kdf);
    const dataKey = newDataKey();
    try {
      const wrappedKey = packSealed(seal(kek, dataKey, dataKeyAad(vaultId)));
      const keyCheck = packSealed(seal(dataKey, Buffer.from('hostdeck'), CHECK_AAD(vaultId)));
      this.repo.createMeta(
        { vaultId, kdf: this.kdf, salt, wrappedKey, keyCheck, keychainEnabled: false },
        this.stamp(),
      );
    } finally {
      wipe(kek);
    }
    this.setKey(dataKey);
    return this.changed();
  }

  async unlock(password: string): Promise<VaultStatus> {
    const meta = this.requireMeta();
    const kek = await deriveKey(password, meta.salt, meta.kdf);
    try {
      this.setKey(open(kek, unpackSealed(meta.wrappedKey), dataKeyAad(meta.vaultId)));
    } catch (err) {
      if (err instanceof CryptoFailure) {
        throw new AppError('WRONG_PASSWORD', 'That master password is not right.', {
          field: 'password',
          hint: 'Check Caps Lock and the keyboard layout. Without the password the vault cannot be opened.',
        });
      }
      throw err;
    } finally {
      wipe(kek);
    }
    return this.changed();
  }

  async unlockWithKeychain(): Promise<VaultStatus> {
    const meta = this.requireMeta();
    const keychain = await this.probeKeychain();
    if (!keychain.available)
      throw new AppError('UNAVAILABLE', keychain.reason ?? 'No OS keychain is available.');
    if (!meta.keychainEnabled) {
      throw new AppError('INVALID_STATE', 'Unlocking with the OS keychain is off.', {
        hint: 'Unlock with the master password, then turn it on in Settings.',
      });
    }
    const stored = await this.keychain.get(keychainAccount(meta.vaultId));
    if (!stored) {
      throw new AppError('NOT_FOUND', 'The OS keychain no longer holds the Hostdeck key.', {
        hint: 'Unlock with the master password; turning the keychain option off and on again stores it anew.',
      });
    }
    const key = Buffer.from(stored, 'base64');
    this.verifyKey(key, meta);
    this.setKey(key);
    return this.changed();
  }

  lock(): VaultStatus {
    this.dispose();
    return this.changedSync();
  }

  /** Wipes the key from memory without touching storage or emitting (app shutdown). */
  dispose(): void {
    if (this.dataKey) {
      wipe(this.dataKey);
      this.dataKey = null;
    }
    // The redactor keeps its values: a job still running may print a secret it decrypted before the
    // lock. They live only in this process's memory.
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** Re-wraps the data key under a new password; secrets are untouched. */
  async changePassword(current: string, next: string): Promise<VaultStatus> {
    const meta = this.requireMeta();
    const oldKek = await deriveKey(current, meta.salt, meta.kdf);
    let dataKey: Buffer;
    try {
      dataKey = open(oldKek, unpackSealed(meta.wrappedKey), dataKeyAad(meta.vaultId));
    } catch {
      throw new AppError('WRONG_PASSWORD', 'The current master password is not right.', { field: 'current' });
    } finally {
      wipe(oldKek);
    }
    const salt = newSalt();
    const newKek = await deriveKey(next, salt, this.kdf);
    try {
      this.repo.rewrap(
        this.kdf,
        salt,
        packSealed(seal(newKek, dataKey, dataKeyAad(meta.vaultId))),
        this.stamp(),
      );
    } finally {
      wipe(newKek);
    }
    this.setKey(dataKey);
    return this.changed();
  }

  async setKeychainEnabled(enabled: boolean): Promise<VaultStatus> {
    const meta = this.requireMeta();
    const key = this.requireKey();
    if (enabled) {
      const keychain = await this.probeKeychain(true);
      if (!keychain.available)
        throw new AppError('UNAVAILABLE', keychain.reason ?? 'No OS keychain is available.');
      await this.keychain.set(keychainAccount(meta.vaultId), key.toString('base64'));
    } else {
      await this.keychain.remove(keychainAccount(meta.vaultId)).catch(() => undefined);
    }
    this.repo.setKeychainEnabled(enabled, this.stamp());
    return this.changed();
  }

  /**
   * An HMAC of DATA under a key derived from the vault's data key (HKDF, per PURPOSE): metadata the
   * app acts on but keeps in plain SQLite (host-key pins) is bound to the vault with it, so a change
   * made to the file outside Hostdeck is detected. LOCKED while locked.
   */
  mac(purpose: string, data: string): string {
    const meta = this.requireMeta();
    const key = Buffer.from(
      hkdfSync(
        'sha256',
        this.requireKey(),
        Buffer.from(meta.vaultId),
        `hostdeck/vault/v1/mac/${purpose}`,
        32,
      ),
    );
    try {
      return createHmac('sha256', key).update(data).digest('base64url');
    } finally {
      key.fill(0);
    }
  }

  /** Whether MAC is the vault's HMAC of DATA for PURPOSE (constant time). */
  verifyMac(purpose: string, data: string, mac: string): boolean {
    const want = Buffer.from(this.mac(purpose, data));
    const got = Buffer.from(mac);
    return want.length === got.length && timingSafeEqual(want, got);
  }

  /** TEXT with every secret this process has decrypted blanked: for anything stored or shown. */
  redact(text: string): string {
    return this.redactor.redact(text);
  }

  /** Any user activity: restarts the auto-lock countdown. */
  touch(): void {
    if (!this.dataKey) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const minutes = this.opts.autoLockMinutes();
    if (minutes <= 0) return;
    this.idleTimer = setTimeout(() => this.lock(), minutes * 60_000);
    this.idleTimer.unref();
  }

  // ---- secrets -------------------------------------------------------------------------------

  list(): SecretInfo[] {
    return this.repo.list();
  }

  info(id: string): SecretInfo {
    const info = this.repo.info(id);
    if (!info) throw notFound('Secret', id);
    return info;
  }

  add(
    label: string,
    payload: SecretPayload,
    publicPart: { fingerprint?: string; publicKey?: string } = {},
  ): SecretInfo {
    const key = this.requireKey();
    const id = randomUUID();
    const sealed = packSealed(seal(key, Buffer.from(JSON.stringify(payload)), secretAad(id, payload.kind)));
    this.repo.insertSecret(
      {
        id,
        kind: payload.kind,
        label,
        fingerprint: publicPart.fingerprint ?? null,
        publicKey: publicPart.publicKey ?? null,
        sealed,
      },
      this.stamp(),
    );
    this.remember(payload);
    return this.info(id);
  }

  generateSshKey(label: string): SecretInfo {
    const material = generateEd25519(`hostdeck:${label}`);
    return this.add(label, { kind: 'ssh-key', privateKey: material.privateKey }, material);
  }

  importSshKey(label: string, privateKey: string, passphrase?: string): SecretInfo {
    this.requireKey();
    const material = describeKey(privateKey.trim() + '\n', passphrase || undefined, `hostdeck:${label}`);
    return this.add(
      label,
      {
        kind: 'ssh-key',
        privateKey: material.privateKey,
        ...(material.passphrase ? { passphrase: material.passphrase } : {}),
      },
      material,
    );
  }

  /** Decrypts a secret for use inside the main process (SSH auth, database access). */
  use<K extends SecretKind>(id: string, kind?: K): Extract<SecretPayload, { kind: K }> {
    const key = this.requireKey();
    const row = this.repo.sealed(id);
    if (!row) throw notFound('Secret', id);
    if (kind && row.kind !== kind)
      throw new AppError('INVALID_STATE', `Secret ${id} is a ${row.kind}, not a ${kind}.`);
    let plain: Buffer;
    try {
      plain = open(key, unpackSealed(row.sealed), secretAad(id, row.kind));
    } catch {
      throw new AppError(
        'TAMPERED',
        `Secret "${this.repo.info(id)?.label ?? id}" failed its integrity check.`,
        {
          hint: 'Its stored ciphertext was changed outside Hostdeck. Restore the data directory from a backup, or re-enter the secret.',
        },
      );
    }
    const payload = JSON.parse(plain.toString('utf8')) as Extract<SecretPayload, { kind: K }>;
    wipe(plain);
    this.remember(payload);
    return payload;
  }

  reveal(id: string): RevealedSecret {
    const payload = this.use(id);
    const { kind, ...fields } = payload;
    return { id, kind, fields: fields as Record<string, string> };
  }

  remove(id: string): void {
    this.requireKey();
    if (!this.repo.remove(id)) throw notFound('Secret', id);
  }

  // ---- export / import -----------------------------------------------------------------------

  async exportTo(path: string, passphrase: string): Promise<{ count: number }> {
    this.requireKey();
    const secrets = this.repo.list().map((info) => ({ ...info, payload: this.use(info.id) }));
    const salt = newSalt();
    const key = await deriveKey(passphrase, salt, this.kdf);
    let sealed;
    try {
      sealed = packSealed(seal(key, Buffer.from(JSON.stringify({ secrets })), EXPORT_AAD));
    } finally {
      wipe(key);
    }
    const file = {
      format: 'hostdeck-vault-export',
      version: 1,
      kdf: this.kdf,
      salt: salt.toString('base64'),
      sealed: sealed.toString('base64'),
    };
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, JSON.stringify(file), { mode: 0o600, flag: 'wx' });
    await rename(tmp, path);
    return { count: secrets.length };
  }

  async importFrom(path: string, passphrase: string): Promise<{ imported: number; skipped: number }> {
    const key = this.requireKey();
    let file: { format?: string; version?: number; kdf?: KdfParams; salt?: string; sealed?: string };
    try {
      file = JSON.parse(await readFile(path, 'utf8')) as typeof file;
    } catch {
      throw new AppError('VALIDATION', 'That file is not a Hostdeck vault export.', { field: 'path' });
    }
    if (
      file.format !== 'hostdeck-vault-export' ||
      file.version !== 1 ||
      !file.kdf ||
      !file.salt ||
      !file.sealed
    ) {
      throw new AppError('VALIDATION', 'That file is not a Hostdeck vault export (version 1).', {
        field: 'path',
      });
    }
    if (!acceptableKdf(file.kdf)) {
      throw new AppError(
        'VALIDATION',
        'The export uses key-derivation parameters Hostdeck does not accept.',
        { field: 'path' },
      );
    }
    const exportKey = await deriveKey(passphrase, Buffer.from(file.salt, 'base64'), file.kdf);
    let decrypted: unknown;
    try {
      decrypted = JSON.parse(
        open(exportKey, unpackSealed(Buffer.from(file.sealed, 'base64')), EXPORT_AAD).toString('utf8'),
      ) as unknown;
    } catch {
      throw new AppError(
        'WRONG_PASSWORD',
        'That passphrase does not open this export, or the file was altered.',
        {
          field: 'passphrase',
        },
      );
    } finally {
      wipe(exportKey);
    }
    // All of it checked first; only then is anything written (in one transaction).
    const entries = parseExportEntries(decrypted);
    let imported = 0;
    let skipped = 0;
    this.repo.transaction(() => {
      for (const s of entries) {
        if (this.repo.info(s.id)) {
          skipped += 1;
          continue;
        }
        const sealed = packSealed(seal(key, Buffer.from(JSON.stringify(s.payload)), secretAad(s.id, s.kind)));
        this.repo.insertSecret(
          {
            id: s.id,
            kind: s.kind,
            label: s.label,
            fingerprint: s.fingerprint,
            publicKey: s.publicKey,
            sealed,
          },
          this.stamp(),
        );
        imported += 1;
      }
    });
    return { imported, skipped };
  }

  // ---- internals -----------------------------------------------------------------------------

  private requireMeta() {
    const meta = this.repo.meta();
    if (!meta)
      throw new AppError('INVALID_STATE', 'No vault yet.', {
        hint: 'Create one by choosing a master password.',
      });
    return meta;
  }

  private requireKey(): Buffer {
    if (!this.dataKey) {
      throw new AppError('LOCKED', 'The vault is locked.', { hint: 'Unlock it with the master password.' });
    }
    this.touch();
    return this.dataKey;
  }

  private verifyKey(key: Buffer, meta: { vaultId: string; keyCheck: Buffer }): void {
    try {
      open(key, unpackSealed(meta.keyCheck), CHECK_AAD(meta.vaultId));
    } catch {
      throw new AppError('TAMPERED', 'The key in the OS keychain does not open this vault.', {
        hint: 'Unlock with the master password; then turn the keychain option off and on again.',
      });
    }
  }

  private setKey(key: Buffer): void {
    if (this.dataKey && this.dataKey !== key) wipe(this.dataKey);
    this.dataKey = key;
    this.touch();
  }

  private remember(payload: SecretPayload): void {
    for (const [k, v] of Object.entries(payload))
      if (k !== 'kind' && typeof v === 'string') this.redactor.add(v);
  }

  private async probeKeychain(fresh = false) {
    if (!this.keychainStatus || fresh) {
      const probe = await this.keychain.probe();
      this.keychainStatus = probe.available
        ? { available: true, reason: null }
        : { available: false, reason: probe.reason };
    }
    return this.keychainStatus;
  }

  private async changed(): Promise<VaultStatus> {
    const status = await this.status();
    this.events.emit('vault.changed', status);
    return status;
  }

  private changedSync(): VaultStatus {
    const meta = this.repo.meta();
    const keychain = this.keychainStatus ?? { available: false, reason: null };
    const status: VaultStatus = {
      state: !meta ? 'uninitialised' : this.dataKey ? 'unlocked' : 'locked',
      keychain: { ...keychain, enabled: Boolean(meta?.keychainEnabled) && keychain.available },
      autoLockMinutes: this.opts.autoLockMinutes(),
    };
    this.events.emit('vault.changed', status);
    return status;
  }

  private stamp(): string {
    return this.now().toISOString();
  }
}

/** Export files choose their own scrypt cost: accept only sane, bounded parameters (≤ 256 MiB). */
function acceptableKdf(kdf: KdfParams): boolean {
  const isPow2 = Number.isInteger(Math.log2(kdf.N));
  return (
    kdf.algorithm === 'scrypt' &&
    kdf.keyLength === 32 &&
    isPow2 &&
    kdf.N >= 2 ** 10 &&
    kdf.N <= 2 ** 18 &&
    Number.isInteger(kdf.r) &&
    kdf.r >= 1 &&
    kdf.r <= 16 &&
    Number.isInteger(kdf.p) &&
    kdf.p >= 1 &&
    kdf.p <= 4 &&
    128 * kdf.N * kdf.r <= 256 * 1024 * 1024
  );
}
