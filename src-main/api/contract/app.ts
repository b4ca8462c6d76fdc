import { z } from 'zod';
import { command, empty } from './define';

export interface AppInfo {
  name: string;
  version: string;
  dataDir: string;
  schemaVersion: number;
  runtime: string;
  platform: string;
}

export const themes = ['system', 'light', 'dark'] as const;
export type Theme = (typeof themes)[number];

export interface Settings {
  theme: Theme;
  /** Lock the vault after this many idle minutes; 0 = never. */
  vaultAutoLockMinutes: number;
  /** Lock the vault when the OS screen locks or the machine suspends. */
  vaultLockOnSleep: boolean;
}

export const settingsUpdate = z
  .object({
    theme: z.enum(themes).optional(),
    vaultLockOnSleep: z.boolean().optional(),
  })
  .strict();

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  detail: Record<string, unknown>;
}

/** What `audit.verify` found walking the chain. */
export interface AuditVerification {
  ok: boolean;
  /** Entries read (up to the first broken one). */
  entries: number;
  /** The last entry the vault's signed head covers (null: none signed yet, or broken). */
  signedThrough: number | null;
  /** One sentence: what is wrong, or null. */
  problem: string | null;
  /** The first entry that is wrong (or missing), when one can be named. */
  brokenAt: number | null;
}

export const auditList = z
  .object({
    limit: z.number().int().min(1).max(1000).default(200),
    beforeId: z.number().int().min(1).optional(),
  })
  .strict();

export interface DiagnosticsStarted {
  jobId: string;
}

/** The app slice of the contract: its commands (with their traits) and events. */
export const appCommands = {
  'app.info': command<AppInfo>()(empty, 'Version, data directory and schema version of this install.', {
    passive: true,
    whileLocked: true,
  }),
  'app.activity': command<{ ok: true }>()(
    empty,
    "The operator's keyboard or pointer input in the window: keeps the vault from auto-locking.",
  ),
  'settings.get': command<Settings>()(empty, 'Read the app settings.', { passive: true }),
  'settings.update': command<Settings>()(settingsUpdate, 'Change app settings (audited).', {
    audit: 'settings.update',
  }),
  'audit.list': command<AuditEntry[]>()(auditList, 'Audit trail, newest first.', { passive: true }),
  'audit.verify': command<AuditVerification>()(
    empty,
    'Check the audit trail end to end: every entry chained to the one before, the head signed by the vault.',
    { passive: true },
  ),
  'diagnostics.run': command<DiagnosticsStarted>()(
    empty,
    'Check this install (data directory, database, key derivation speed, OpenSSH) as a job.',
    { whileLocked: true },
  ),
} as const;
