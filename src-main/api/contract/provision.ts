import { z } from 'zod';
import { command, empty } from './define';

export const moduleNames = [
  'caddy',
  'mariadb',
  'firewall',
  'ssh-hardening',
  'fail2ban',
  'frankenphp',
  'unattended-upgrades',
  'swap',
] as const;
export type ModuleName = (typeof moduleNames)[number];
export const moduleVerbs = ['install', 'enable', 'disable', 'remove'] as const;

export interface ModuleInfo {
  name: ModuleName;
  title: string;
  summary: string;
  /** Selected by default in "Provision server". */
  recommended: boolean;
}

export interface ModuleStatus {
  name: string;
  installed: boolean;
  version: string | null;
  enabled: boolean;
  active: boolean;
  /** What differs from what Hostdeck asked for; empty when none. */
  drift: string[];
  error: string | null;
}

const serverRef = z.string().regex(/^[0-9a-f-]{36}$/, 'choose a server');
export const provisionRun = z
  .object({
    serverId: serverRef,
    modules: z.array(z.enum(moduleNames)).min(1, 'pick at least one module').max(moduleNames.length),
    check: z.boolean().default(false),
  })
  .strict();
export const provisionStatus = z.object({ serverId: serverRef }).strict();
export const moduleAction = z
  .object({
    serverId: serverRef,
    module: z.enum(moduleNames),
    verb: z.enum(moduleVerbs),
    /**
     * The server's name, typed by the operator, for an action that takes its sites offline
     * (disabling caddy, mariadb or frankenphp while sites use them) or opens it up (disabling or
     * removing the firewall).
     */
    confirm: z.string().max(200).optional(),
  })
  .strict();

/** The provision slice of the contract: its commands (with their traits) and events. */
export const provisionCommands = {
  'provision.modules': command<ModuleInfo[]>()(empty, 'The server modules Hostdeck can install, in order.', {
    passive: true,
  }),
  'provision.run': command<{ jobId: string }>()(
    provisionRun,
    'Provision (or dry-run) modules on a server, as a job.',
    { audit: 'provision.run' },
  ),
  'provision.status': command<ModuleStatus[]>()(
    provisionStatus,
    "Each module's status, read back from the host.",
    { passive: true },
  ),
  'provision.action': command<{ jobId: string }>()(
    moduleAction,
    "Install, enable, disable or remove one module. Removing one the server's sites need is refused while they exist; disabling one of those, or the firewall, needs the server's name typed (confirm).",
    { audit: 'module.action' },
  ),
} as const;
