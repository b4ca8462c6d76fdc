import { z } from 'zod';
import { command, empty, event } from './define';

export const secretKinds = ['ssh-key', 'password', 'db-credential', 'token'] as const;
export type SecretKind = (typeof secretKinds)[number];

/** What the renderer ever sees of a secret: never its value. */
export interface SecretInfo {
  id: string;
  kind: SecretKind;
  label: string;
  /** SSH keys: SHA256:… of the public key. */
  fingerprint: string | null;
  /** SSH keys: the OpenSSH public key line (public by nature). */
  publicKey: string | null;
  createdAt: string;
  updatedAt: string;
}

export type VaultState = 'uninitialised' | 'locked' | 'unlocked';

export interface VaultStatus {
  state: VaultState;
  keychain: { available: boolean; enabled: boolean; reason: string | null };
  /** 0 = never. */
  autoLockMinutes: number;
}

/** True when the text holds C0 control characters or DEL (newlines, escapes, NUL …). */
export const hasControlChars = (v: string) =>
  [...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

export const masterPassword = z
  .string()
  .min(12, 'use at least 12 characters')
  .max(1024, 'use at most 1024 characters');

const label = z
  .string()
  .trim()
  .min(1, 'give it a name')
  .max(120, 'use at most 120 characters')
  .refine((v) => !hasControlChars(v), 'no control characters');

export const secretId = z.string().regex(/^[0-9a-f-]{36}$/, 'expected a secret id');

export const vaultSetup = z.object({ password: masterPassword }).strict();
export const vaultUnlock = z
  .object({ password: z.string().min(1, 'enter the master password').max(1024) })
  .strict();
export const vaultChangePassword = z
  .object({ current: z.string().min(1).max(1024), next: masterPassword })
  .strict();
export const vaultSetKeychain = z.object({ enabled: z.boolean() }).strict();
export const vaultSetAutoLock = z
  .object({
    minutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60),
  })
  .strict();

export const secretAdd = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('password'), label, password: z.string().min(1).max(4096) }).strict(),
  z.object({ kind: z.literal('token'), label, token: z.string().min(1).max(16_384) }).strict(),
  z
    .object({
      kind: z.literal('db-credential'),
      label,
      username: z.string().min(1).max(128),
      password: z.string().min(1).max(4096),
    })
    .strict(),
]);

export const sshKeyGenerate = z.object({ label }).strict();
export const sshKeyImport = z
  .object({
    label,
    privateKey: z.string().min(64, 'paste the whole private key').max(32_768),
    passphrase: z.string().max(1024).optional(),
  })
  .strict();

export const secretRef = z.object({ id: secretId }).strict();

const filePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((v) => !v.includes(String.fromCharCode(0)), 'no NUL characters');
export const vaultExport = z.object({ path: filePath, passphrase: masterPassword }).strict();
export const vaultImport = z.object({ path: filePath, passphrase: z.string().min(1).max(1024) }).strict();

export interface RevealedSecret {
  id: string;
  kind: SecretKind;
  /** Field name → value, e.g. { password } or { username, password } or { privateKey }. */
  fields: Record<string, string>;
}

/** The vault slice of the contract: its commands (with their traits) and events. */
export const vaultCommands = {
  'vault.status': command<VaultStatus>()(
    empty,
    'Whether a vault exists and is unlocked; keychain availability.',
    { passive: true, whileLocked: true },
  ),
  'vault.setup': command<VaultStatus>()(vaultSetup, 'Create the vault with a master password (first run).', {
    audit: 'vault.setup',
    whileLocked: true,
  }),
  'vault.unlock': command<VaultStatus>()(vaultUnlock, 'Unlock with the master password.', {
    whileLocked: true,
    audit: 'vault.unlock',
  }),
  'vault.unlockWithKeychain': command<VaultStatus>()(
    empty,
    'Unlock with the data key kept in the OS keychain.',
    { whileLocked: true, audit: 'vault.unlock' },
  ),
  'vault.lock': command<VaultStatus>()(empty, 'Lock now: the data key is wiped from memory.', {
    audit: 'vault.lock',
  }),
  'vault.changePassword': command<VaultStatus>()(
    vaultChangePassword,
    'Change the master password (re-wraps the data key).',
    { audit: 'vault.changePassword' },
  ),
  'vault.setKeychain': command<VaultStatus>()(
    vaultSetKeychain,
    'Turn unlocking with the OS keychain on or off.',
    { audit: 'vault.setKeychain' },
  ),
  'vault.setAutoLock': command<VaultStatus>()(
    vaultSetAutoLock,
    'Lock after this many idle minutes (0 = never).',
    { audit: 'vault.setAutoLock' },
  ),
  'vault.secrets.list': command<SecretInfo[]>()(
    empty,
    'Secrets by id, kind, label and fingerprint (never values).',
    { passive: true },
  ),
  'vault.secrets.add': command<SecretInfo>()(secretAdd, 'Store a password, token or database credential.', {
    audit: 'vault.secrets.add',
  }),
  'vault.secrets.reveal': command<RevealedSecret>()(secretRef, 'Show a secret value (audited).', {
    audit: 'vault.secrets.reveal',
  }),
  'vault.secrets.remove': command<{ removed: true }>()(secretRef, 'Delete a secret that nothing uses.', {
    audit: 'vault.secrets.remove',
  }),
  'vault.sshKeys.generate': command<SecretInfo>()(
    sshKeyGenerate,
    'Generate an ed25519 key pair in the vault.',
    { audit: 'vault.sshKeys.generate' },
  ),
  'vault.sshKeys.import': command<SecretInfo>()(sshKeyImport, 'Import an OpenSSH or PEM private key.', {
    audit: 'vault.sshKeys.import',
  }),
  'vault.export': command<{ count: number }>()(
    vaultExport,
    'Write an encrypted export file of every secret.',
    { audit: 'vault.export' },
  ),
  'vault.import': command<{ imported: number; skipped: number }>()(
    vaultImport,
    'Read an encrypted export file.',
    { audit: 'vault.import' },
  ),
} as const;

export const vaultEvents = {
  'vault.changed': event<VaultStatus>('The vault was set up, locked, unlocked or reconfigured.'),
} as const;
