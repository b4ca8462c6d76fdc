import { z } from 'zod';

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

export const auditList = z
  .object({
    limit: z.number().int().min(1).max(1000).default(200),
    beforeId: z.number().int().min(1).optional(),
  })
  .strict();

export interface DiagnosticsStarted {
  jobId: string;
}
