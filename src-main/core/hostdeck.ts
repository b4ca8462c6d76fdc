import { join } from 'node:path';
import type { VaultStatus } from '@contract';
import type { Handlers, Router } from '../api/router';
import { createRouter } from '../api/router';
import { AuditRepository, createApp, SettingsRepository } from '../app';
import { createBackups } from '../backups';
import { createCron } from '../cron';
import { mergeHandlers } from '../base/capability';
import { DisposableStore } from '../base/disposables';
import { EventBus } from '../base/events';
import { References } from '../base/references';
import { keytarKeychain } from '../infra/keychain/keychain';
import type { Keychain } from '../infra/keychain/keychain';
import type { PoolOptions, SshPool } from '../infra/ssh/pool';
import { openDatabase } from '../infra/store/database';
import type { Database } from '../infra/store/database';
import { acquireInstanceLock } from '../infra/store/instance-lock';
import { OwnedSecrets } from '../infra/store/owned-secrets';
import { ensurePrivateDir } from '../infra/store/private-files';
import { createJobs } from '../jobs';
import type { JobService } from '../jobs';
import { createLogs } from '../logs';
import { createMonitor } from '../monitor';
import type { AlertNotice, Monitor } from '../monitor';
import { createProvision } from '../provision';
import { ScriptRunner } from '../remote/runner';
import { createServers } from '../servers';
import type { ServerService } from '../servers';
import { createSites } from '../sites';
import { createTerminal } from '../terminal';
import type { FlowControl, TerminalService } from '../terminal';
import type { KdfParams } from '../vault';
import { createVault, gateWhileLocked, redactErrors, SecretRedactor } from '../vault';
import type { VaultService } from '../vault';

export interface HostdeckOptions {
  /** The app's user-data directory (Electron: app.getPath('userData')). */
  dataDir: string;
  version: string;
  runtime?: string;
  /** Tests pass a Secret Service they control, or a keychain that is absent. */
  keychain?: Keychain;
  /** Tests may use cheaper scrypt parameters; the app always uses the documented defaults. */
  kdf?: KdfParams;
  ssh?: PoolOptions;
  terminalFlow?: Partial<FlowControl>;
  /** The server-scripts directory shipped with the app (uploaded to hosts). */
  scriptsDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Sample every server with a pinned host key on this interval (the app: 15 s); unset: on demand only. */
  monitorIntervalMs?: number;
  /** Tells the operator of an alert (the app: a desktop notification); unset: kept and listed only. */
  notify?: (notice: AlertNotice) => void;
}

export interface Hostdeck {
  readonly router: Router;
  readonly events: EventBus;
  readonly jobs: JobService;
  readonly vault: VaultService;
  readonly redactor: SecretRedactor;
  readonly servers: ServerService;
  readonly pool: SshPool;
  readonly terminal: TerminalService;
  readonly monitor: Monitor;
  readonly settings: SettingsRepository;
  readonly db: Database;
  readonly dataDir: string;
  /** Marks jobs cut off by the previous process as interrupted (returns their ids). */
  readonly interruptedAtStart: string[];
  close(): Promise<void>;
}

/**
 * The composition root: builds every capability from plain Node parts, in dependency order, and
 * walks the list for the router's handlers. Electron's main process, the CLI and the e2e test bridge
 * all call this, so they run the same code. Everything with a lifetime is in one store: `close()`
 * ends it in reverse order, and a root that fails half-way ends what it had built.
 */
export function createHostdeck(opts: HostdeckOptions): Hostdeck {
  ensurePrivateDir(opts.dataDir);
  const lifetime = new DisposableStore();
  try {
    return build(opts, lifetime);
  } catch (err) {
    lifetime.disposeSync();
    throw err;
  }
}

/** The vault MAC purpose of the audit chain's head. */
const AUDIT_HEAD = 'audit-head';

function build(opts: HostdeckOptions, lifetime: DisposableStore): Hostdeck {
  lifetime.add(acquireInstanceLock(opts.dataDir));
  const db: Database = openDatabase(join(opts.dataDir, 'hostdeck.sqlite'));
  lifetime.add(() => {
    db.close();
  });

  const events = new EventBus();
  const references = new References();
  const lockHooks: (() => void)[] = [];
  // Later capabilities use earlier ones: they let go first (a terminal closes before its connection).
  const onLock = (fn: () => void) => lockHooks.unshift(fn);
  const base = { events, references, lifetime, onLock };
  const redactor = new SecretRedactor();
  const settings = new SettingsRepository(db);
  // The head of the audit chain is signed with a key from the vault (built below) while unlocked.
  const audit = new AuditRepository(db, {
    sign: (data) => (vault.service.isUnlocked() ? vault.service.mac(AUDIT_HEAD, data) : null),
    verify: (data, mac) =>
      vault.service.isUnlocked() ? vault.service.verifyMac(AUDIT_HEAD, data, mac) : null,
    vaultExists: () => vault.service.exists(),
  });
  let router: Router | null = null;

  const jobs = createJobs({
    ...base,
    db,
    options: {
      redact: redactor.redact,
      // Every job's outcome is in the audit trail too, next to the command that started it.
      onEnded: (job) =>
        audit.record({
          actor: 'hostdeck',
          action: `job.${job.state}`,
          target: job.id,
          detail: { kind: job.kind, title: job.title, ...(job.error ? { error: job.error } : {}) },
        }),
    },
    dispatch: (command, input, caller) => router!.dispatch(command, input, caller),
  });
  const vault = createVault({
    ...base,
    db,
    keychain: opts.keychain ?? keytarKeychain(),
    redactor,
    settings,
    ...(opts.kdf ? { kdf: opts.kdf } : {}),
  });
  const servers = createServers({
    ...base,
    db,
    vault: vault.service,
    ...(opts.ssh ? { ssh: opts.ssh } : {}),
    ...(opts.env ? { env: opts.env } : {}),
  });
  const runner = new ScriptRunner({
    exec: (id, command, o) => servers.pool.exec(id, command, o),
    loginUser: (id) => servers.service.get(id).username,
    scriptsDir: opts.scriptsDir ?? defaultScriptsDir(),
  });
  const owned = new OwnedSecrets(db);
  const provision = createProvision({
    ...base,
    runner,
    jobs: jobs.service,
    servers: servers.service,
    vault: vault.service,
    owned,
    artifactsDir: join(opts.dataDir, 'artifacts'),
    sitesOn: (serverId) =>
      sites.service
        .list()
        .filter((s) => s.serverId === serverId)
        .map((s) => s.domain),
  });
  const sites = createSites({
    ...base,
    db,
    runner,
    jobs: jobs.service,
    servers: servers.service,
    vault: vault.service,
    // Backups use sites; a site's delete uses their final backup (bound once both exist).
    finalBackup: (job, site) => backups.finalBackup(job, site),
  });
  const backups = createBackups({
    ...base,
    runner,
    jobs: jobs.service,
    servers: servers.service,
    sites: sites.service,
    vault: vault.service,
    owned,
    db,
    copiesDir: join(opts.dataDir, 'backups'),
  });
  const cron = createCron({
    ...base,
    runner,
    jobs: jobs.service,
    servers: servers.service,
    sites: sites.service,
  });
  const logs = createLogs({ ...base, pool: servers.pool, redact: redactor.redact });
  const monitor = createMonitor({
    ...base,
    db,
    pool: servers.pool,
    servers: servers.service,
    sites: sites.service,
    audit,
    notify: opts.notify ?? (() => undefined),
    unlocked: () => vault.service.isUnlocked(),
    redact: redactor.redact,
    ...(opts.monitorIntervalMs ? { intervalMs: opts.monitorIntervalMs } : {}),
  });
  const terminal = createTerminal({
    ...base,
    pool: servers.pool,
    ...(opts.terminalFlow ? { flow: opts.terminalFlow } : {}),
    siteShell: (siteId) => sites.service.shellCommand(siteId),
  });
  const app = createApp({
    ...base,
    db,
    jobs: jobs.service,
    settings,
    audit,
    dataDir: opts.dataDir,
    version: opts.version,
    runtime: opts.runtime ?? `node ${process.versions.node}`,
  });
  // Running jobs end first on quit: they still use the connections the capabilities close.
  lifetime.add(() => jobs.service.shutdown());

  const capabilities = [
    app,
    jobs,
    vault,
    servers,
    provision,
    sites,
    backups,
    cron,
    logs,
    monitor,
    terminal,
  ] as const;
  const handlers: Handlers = mergeHandlers(capabilities);
  const inner = createRouter(handlers, {
    audit: (entry) => audit.record(entry),
    log: (msg, err) => console.error(msg, redactor.redact(String(err))),
  });
  // While locked only the vault's way in answers; only the operator's own input holds it open.
  router = redactErrors(gateWhileLocked(inner, vault.service), redactor.redact);
  // Locking revokes access: terminals and log streams end, pooled SSH connections close (a job
  // already running keeps its connection until it ends; nothing new can connect without the vault).
  // Unlocking signs the audit chain's head if entries came while locked (or since an upgrade).
  lifetime.add(
    events.listen((name, payload) => {
      if (name !== 'vault.changed') return;
      if ((payload as VaultStatus).state === 'unlocked') audit.resign();
      else for (const hook of lockHooks) hook();
    }),
  );
  return {
    router,
    events,
    jobs: jobs.service,
    vault: vault.service,
    redactor,
    servers: servers.service,
    pool: servers.pool,
    terminal: terminal.service,
    monitor,
    settings,
    db,
    dataDir: opts.dataDir,
    interruptedAtStart: jobs.interruptedAtStart,
    close: () => lifetime.dispose(),
  };
}

/** server-scripts/ of the project the process runs from (callers that know better pass scriptsDir). */
function defaultScriptsDir(): string {
  return join(process.cwd(), 'server-scripts');
}
