import { hasControlChars, secretId, secretKinds } from '@contract';
import type { SecretKind } from '@contract';
import { z } from 'zod';
import { AppError } from '../base/app-error';
import { describeKey } from '../infra/ssh/keys';
import type { SecretPayload } from './service';

const text = (max: number) => z.string().min(1).max(max);
const payload = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('password'), password: text(4096) }).strict(),
  z.object({ kind: z.literal('token'), token: text(16_384) }).strict(),
  z.object({ kind: z.literal('db-credential'), username: text(128), password: text(4096) }).strict(),
  z
    .object({
      kind: z.literal('ssh-key'),
      privateKey: text(32_768),
      passphrase: z.string().max(1024).optional(),
    })
    .strict(),
]);
const entry = z.object({
  id: secretId,
  kind: z.enum(secretKinds),
  label: text(120).refine((v) => !hasControlChars(v), 'no control characters'),
  publicKey: z.string().max(16_384).nullable().optional(),
  payload,
});
const content = z.object({ secrets: z.array(entry).max(10_000) });

export interface ImportEntry {
  id: string;
  kind: SecretKind;
  label: string;
  fingerprint: string | null;
  publicKey: string | null;
  payload: SecretPayload;
}

/**
 * Every entry of a decrypted export, checked before anything is written: its id, its kind (the
 * same as its payload's), its label and its payload's fields. An SSH key must parse, and its
 * fingerprint and public key are derived from the private key, never taken from the file. The first
 * bad entry fails the whole import as VALIDATION naming it; nothing is imported then.
 */
export function parseExportEntries(raw: unknown): ImportEntry[] {
  const parsed = content.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'secrets';
    throw new AppError(
      'VALIDATION',
      `The export's entry ${where} is not valid (${issue?.message ?? 'unreadable'}); nothing was imported.`,
      {
        field: 'path',
        hint: 'Make a new export from the vault it came from; this file was not written by Hostdeck as it is.',
      },
    );
  }
  return parsed.data.secrets.map((s, i) => {
    if (s.kind !== s.payload.kind) {
      throw new AppError(
        'VALIDATION',
        `The export's entry secrets.${i} says it is ${s.kind} but holds ${s.payload.kind}; nothing was imported.`,
        {
          field: 'path',
        },
      );
    }
    if (s.payload.kind !== 'ssh-key') return { ...s, fingerprint: null, publicKey: null, payload: s.payload };
    let key;
    try {
      key = describeKey(s.payload.privateKey, s.payload.passphrase, s.label);
    } catch {
      throw new AppError(
        'VALIDATION',
        `The export's entry secrets.${i} ("${s.label}") is not a private key Hostdeck can read; nothing was imported.`,
        {
          field: 'path',
        },
      );
    }
    // The file's public key is kept (with its comment) only when it is this private key's own.
    const [type, blob] = (s.publicKey ?? '').split(' ');
    const own = `${type} ${blob}` === key.publicKey.split(' ').slice(0, 2).join(' ');
    return {
      ...s,
      fingerprint: key.fingerprint,
      publicKey: own && s.publicKey ? s.publicKey : key.publicKey,
      payload: s.payload,
    };
  });
}
