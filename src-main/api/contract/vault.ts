import { z } from 'zod';

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
