/**
 * THE contract: every command and event the renderer, CLI and test bridge can reach.
 * The main router, the preload allow-list, the renderer client, the test bridge and the CLI
 * are all derived from this object. A name that is not here is unreachable.
 *
 * Adding a capability: declare its commands here, implement them in one service
 * (src-main/<capability>/), wire the handler in src-main/core/handlers.ts, use it from a view.
 */
import { z } from 'zod';
import { auditList, settingsUpdate } from './app';
import type { AppInfo, AuditEntry, DiagnosticsStarted, Settings } from './app';
import { command, event } from './define';
import type { Result } from './errors';
import type { CommandSpec, EventSpec } from './define';
import { jobId, jobsList, jobsLog } from './jobs';
import type { JobDetail, JobLogLine, JobSummary, JobUpdate } from './jobs';
import {
  secretAdd,
  secretRef,
  sshKeyGenerate,
  sshKeyImport,
  vaultChangePassword,
  vaultExport,
  vaultImport,
  vaultSetAutoLock,
  vaultSetKeychain,
  vaultSetup,
  vaultUnlock,
} from './vault';
import type { RevealedSecret, SecretInfo, VaultStatus } from './vault';
import { hostKeyConfirm, installKey, serverAdd, serverRef, serversRefresh, serverUpdate } from './servers';
import type { HostKeyProbeResult, ServerInfo } from './servers';
import { logsFollow, logsStop } from './logs';
import type { LogBatch, LogStreamEnded } from './logs';
import { moduleAction, provisionRun, provisionStatus } from './provision';
import type { ModuleInfo, ModuleStatus } from './provision';
import {
  siteCreate,
  siteDelete,
  siteDeploy,
  siteRef,
  siteRollback,
  siteUpdate,
  tenantCreate,
  tenantRef,
} from './sites';
import type { DeployKeyInfo, SiteInfo, TenantInfo } from './sites';
import { terminalAck, terminalOpen, terminalRef, terminalResize, terminalWrite } from './terminal';
import type { TerminalClosed, TerminalData, TerminalOpened } from './terminal';

const empty = z.object({}).strict();

export const contract = {
  commands: {
    'app.info': command<AppInfo>()(empty, 'Version, data directory and schema version of this install.'),
    'app.activity': command<{ ok: true }>()(
      empty,
      "The operator's keyboard or pointer input in the window: keeps the vault from auto-locking.",
    ),
    'settings.get': command<Settings>()(empty, 'Read the app settings.'),
    'settings.update': command<Settings>()(settingsUpdate, 'Change app settings (audited).'),
    'audit.list': command<AuditEntry[]>()(auditList, 'Audit trail, newest first.'),
    'jobs.list': command<JobSummary[]>()(jobsList, 'Jobs, newest first.'),
    'jobs.get': command<JobDetail>()(z.object({ id: jobId }).strict(), 'One job with its steps.'),
    'jobs.log': command<JobLogLine[]>()(jobsLog, "A job's stored log, after a sequence number."),
    'jobs.cancel': command<JobSummary>()(
      z.object({ id: jobId }).strict(),
      'Ask a queued or running job to stop.',
    ),
    'servers.list': command<ServerInfo[]>()(empty, 'Every server with its cached status and facts.'),
    'servers.get': command<ServerInfo>()(serverRef, 'One server.'),
    'servers.add': command<ServerInfo>()(serverAdd, 'Add a server (nothing is sent to it yet).'),
    'servers.update': command<ServerInfo>()(serverUpdate, "Change a server's details."),
    'servers.remove': command<{ removed: true }>()(
      serverRef,
      'Remove a server from the inventory (the host is untouched).',
    ),
    'servers.probeHostKey': command<HostKeyProbeResult>()(
      serverRef,
      'Fetch the host key the server presents, for confirmation.',
    ),
    'servers.trustHostKey': command<ServerInfo>()(
      hostKeyConfirm,
      'Trust the confirmed host key (first connection).',
    ),
    'servers.replaceHostKey': command<ServerInfo>()(
      hostKeyConfirm,
      'Deliberately replace a changed host key.',
    ),
    'servers.installKey': command<ServerInfo>()(
      installKey,
      "With a one-time password, add the app's public key to authorized_keys and switch to key auth.",
    ),
    'servers.refresh': command<ServerInfo[]>()(serversRefresh, 'Read facts from servers in parallel.'),
    'provision.modules': command<ModuleInfo[]>()(empty, 'The server modules Hostdeck can install, in order.'),
    'provision.run': command<{ jobId: string }>()(
      provisionRun,
      'Provision (or dry-run) modules on a server, as a job.',
    ),
    'provision.status': command<ModuleStatus[]>()(
      provisionStatus,
      "Each module's status, read back from the host.",
    ),
    'provision.action': command<{ jobId: string }>()(
      moduleAction,
      'Install, enable, disable or remove one module.',
    ),
    'tenants.list': command<TenantInfo[]>()(empty, "The operator's customers, with how many sites each has."),
    'tenants.create': command<TenantInfo>()(
      tenantCreate,
      'Add a tenant (a Linux user appears with its first site).',
    ),
    'tenants.remove': command<{ removed: true }>()(tenantRef, 'Remove a tenant that has no sites.'),
    'sites.list': command<SiteInfo[]>()(empty, 'Every site on every server, with its last known status.'),
    'sites.get': command<SiteInfo>()(siteRef, 'One site.'),
    'sites.create': command<{ jobId: string; site: SiteInfo }>()(
      siteCreate,
      'Create a site on a server, as a job (validated here and again on the host).',
    ),
    'sites.update': command<{ jobId: string }>()(
      siteUpdate,
      "Change a site's aliases, TLS mode, www policy or PHP settings, as a job.",
    ),
    'sites.suspend': command<{ jobId: string }>()(siteRef, 'Serve a maintenance page and stop its PHP.'),
    'sites.resume': command<{ jobId: string }>()(siteRef, 'Bring a suspended site back.'),
    'sites.delete': command<{ jobId: string }>()(
      siteDelete,
      'Delete a site from its server (optionally after a final backup), as a job.',
    ),
    'sites.refresh': command<SiteInfo>()(siteRef, "Read the site's real state back from its host (drift)."),
    'sites.deployKey': command<DeployKeyInfo>()(
      siteRef,
      "The site's deploy key (made in the vault on first use): add its public key to the repository.",
    ),
    'sites.deploy': command<{ jobId: string }>()(
      siteDeploy,
      'Deploy a new release from git, switched atomically, as a job.',
    ),
    'sites.rollback': command<{ jobId: string }>()(siteRollback, 'Switch back to an earlier release.'),
    'logs.follow': command<{ streamId: string }>()(
      logsFollow,
      "Follow systemd units' journal on a server, live.",
    ),
    'logs.stop': command<{ done: true }>()(logsStop, 'Stop following a log stream.'),
    'terminal.open': command<TerminalOpened>()(terminalOpen, 'Open an SSH shell (PTY) on a server.'),
    'terminal.write': command<{ done: true }>()(terminalWrite, 'Send keystrokes or pasted text to a shell.'),
    'terminal.resize': command<{ done: true }>()(terminalResize, 'Tell the shell its new size.'),
    'terminal.ack': command<{ done: true }>()(
      terminalAck,
      'Acknowledge output the terminal has drawn (flow control).',
    ),
    'terminal.close': command<{ done: true }>()(terminalRef, 'Close a shell.'),
    'diagnostics.run': command<DiagnosticsStarted>()(
      empty,
      'Check this install (data directory, database, key derivation speed, OpenSSH) as a job.',
    ),
    'vault.status': command<VaultStatus>()(
      empty,
      'Whether a vault exists and is unlocked; keychain availability.',
    ),
    'vault.setup': command<VaultStatus>()(vaultSetup, 'Create the vault with a master password (first run).'),
    'vault.unlock': command<VaultStatus>()(vaultUnlock, 'Unlock with the master password.'),
    'vault.unlockWithKeychain': command<VaultStatus>()(
      empty,
      'Unlock with the data key kept in the OS keychain.',
    ),
    'vault.lock': command<VaultStatus>()(empty, 'Lock now: the data key is wiped from memory.'),
    'vault.changePassword': command<VaultStatus>()(
      vaultChangePassword,
      'Change the master password (re-wraps the data key).',
    ),
    'vault.setKeychain': command<VaultStatus>()(
      vaultSetKeychain,
      'Turn unlocking with the OS keychain on or off.',
    ),
    'vault.setAutoLock': command<VaultStatus>()(
      vaultSetAutoLock,
      'Lock after this many idle minutes (0 = never).',
    ),
    'vault.secrets.list': command<SecretInfo[]>()(
      empty,
      'Secrets by id, kind, label and fingerprint (never values).',
    ),
    'vault.secrets.add': command<SecretInfo>()(secretAdd, 'Store a password, token or database credential.'),
    'vault.secrets.reveal': command<RevealedSecret>()(secretRef, 'Show a secret value (audited).'),
    'vault.secrets.remove': command<{ removed: true }>()(secretRef, 'Delete a secret that nothing uses.'),
    'vault.sshKeys.generate': command<SecretInfo>()(
      sshKeyGenerate,
      'Generate an ed25519 key pair in the vault.',
    ),
    'vault.sshKeys.import': command<SecretInfo>()(sshKeyImport, 'Import an OpenSSH or PEM private key.'),
    'vault.export': command<{ count: number }>()(
      vaultExport,
      'Write an encrypted export file of every secret.',
    ),
    'vault.import': command<{ imported: number; skipped: number }>()(
      vaultImport,
      'Read an encrypted export file.',
    ),
  },
  events: {
    'jobs.updated': event<JobUpdate>('A job changed state, progress or steps.'),
    'jobs.log': event<JobLogLine[]>('New log lines of a running job, in order.'),
    'sites.changed': event<SiteInfo>(
      'A site was created, changed, refreshed or deleted (status "deleting" then gone).',
    ),
    'sites.removed': event<{ siteId: string }>('A site was deleted from its server and from Hostdeck.'),
    'servers.changed': event<ServerInfo>('A server was added, changed, checked or removed.'),
    'logs.entries': event<LogBatch>('Parsed log entries of a followed stream, in order.'),
    'logs.ended': event<LogStreamEnded>('A log stream ended (stopped, or the connection dropped).'),
    'terminal.data': event<TerminalData>('Shell output, in order, coalesced.'),
    'terminal.closed': event<TerminalClosed>('A shell ended: exited, dropped or closed.'),
    'vault.changed': event<VaultStatus>('The vault was set up, locked, unlocked or reconfigured.'),
  },
} as const satisfies {
  commands: Record<string, CommandSpec>;
  events: Record<string, EventSpec>;
};

export type Contract = typeof contract;
export type CommandName = keyof Contract['commands'];
export type EventName = keyof Contract['events'];
export type InputOf<K extends CommandName> = z.input<Contract['commands'][K]['input']>;
export type ParsedInputOf<K extends CommandName> = z.output<Contract['commands'][K]['input']>;
export type OutputOf<K extends CommandName> = NonNullable<Contract['commands'][K]['output']>;
export type PayloadOf<E extends EventName> = NonNullable<Contract['events'][E]['payload']>;

export const commandNames = Object.keys(contract.commands) as CommandName[];
export const eventNames = Object.keys(contract.events) as EventName[];

export const isCommandName = (name: unknown): name is CommandName =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract.commands, name);
export const isEventName = (name: unknown): name is EventName =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract.events, name);

/** IPC channel names, derived (the preload and the shell both use these). */
export const commandChannel = (name: CommandName) => `hd:cmd:${name}`;
export const eventChannel = (name: EventName) => `hd:evt:${name}`;

/** What the preload exposes as window.hostdeck (and the e2e bridge shim imitates). */
export interface HostdeckBridge {
  call(command: string, input: unknown): Promise<Result<unknown>>;
  subscribe(event: string, listener: (payload: unknown) => void): () => void;
}

export * from './app';
export * from './errors';
export * from './jobs';
export * from './vault';
export * from './servers';
export * from './terminal';
export * from './provision';
export * from './logs';
export * from './sites';
export type { CommandSpec, EventSpec } from './define';
