import { ensurePrivateDir } from '../infra/store/private-files';
import { join } from 'node:path';
import type { VaultStatus } from '@contract';
import { EventBus } from '../api/events';
import { createRouter } from '../api/router';
import type { Router } from '../api/router';
import { AuditRepository } from '../audit/repository';
import { openDatabase } from '../infra/store/database';
import { acquireInstanceLock } from '../infra/store/instance-lock';
import type { Database } from '../infra/store/database';
import { JobRepository } from '../jobs/repository';
import { JobService } from '../jobs/service';
import { keytarKeychain } from '../infra/keychain/keychain';
import type { Keychain } from '../infra/keychain/keychain';
import { SshPool } from '../infra/ssh/pool';
import type { PoolOptions } from '../infra/ssh/pool';
import { ServerRepository } from '../servers/repository';
import { ServerService } from '../servers/service';
import { LogService } from '../logs/service';
import { ProvisionService } from '../provision/service';
import { ScriptRunner } from '../remote/runner';
import { SiteRepository } from '../sites/repository';
import { SiteService } from '../sites/service';
import { SettingsRepository } from '../settings/repository';
import { TerminalService } from '../terminal/service';
import type { FlowControl } from '../terminal/service';
import type { KdfParams } from '../vault/crypto';
import { SecretRedactor } from '../vault/redactor';
import { VaultRepository } from '../vault/repository';
import { VaultService } from '../vault/service';
import { createHandlers } from './handlers';
import { gateWhileLocked } from '../vault/lock-gate';
import { redactErrors } from '../vault/redact-errors';

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
  readonly settings: SettingsRepository;
  readonly db: Database;
  readonly dataDir: string;
  /** Marks jobs cut off by the previous process as interrupted (returns their ids). */
  readonly interruptedAtStart: string[];
  close(): Promise<void>;
}

/**
 * The composition root: builds every service from plain Node parts. Electron's main process, the CLI
 * and the e2e test bridge all call this, so they run the same code.
 */
export function createHostdeck(opts: HostdeckOptions): Hostdeck {
  ensurePrivateDir(opts.dataDir);
  const releaseLock = acquireInstanceLock(opts.dataDir);
  let db: Database;
  try {
    db = openDatabase(join(opts.dataDir, 'hostdeck.sqlite'));
  } catch (err) {
    releaseLock();
    throw err;
  }
  const events = new EventBus();
  const redactor = new SecretRedactor();
  const jobs = new JobService(new JobRepository(db), events, { redact: redactor.redact });
  const interruptedAtStart = jobs.recoverInterrupted();
  const settings = new SettingsRepository(db);
  const vault = new VaultService(
    new VaultRepository(db),
    opts.keychain ?? keytarKeychain(),
    redactor,
    events,
    {
      ...(opts.kdf ? { kdf: opts.kdf } : {}),
      autoLockMinutes: () => settings.get().vaultAutoLockMinutes,
    },
  );
  const audit = new AuditRepository(db);
  // The pool asks the server service how to reach a server; the service uses the pool to run commands.
  const pool: SshPool = new SshPool((id) => servers.resolveTarget(id), opts.ssh);
  const servers: ServerService = new ServerService({
    repo: new ServerRepository(db),
    vault,
    pool,
    audit,
    events,
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.ssh?.readyTimeoutMs ? { connectTimeoutMs: opts.ssh.readyTimeoutMs } : {}),
  });
  const terminal = new TerminalService(pool, events, opts.terminalFlow);
  const logs = new LogService(pool, events, redactor.redact);
  const runner = new ScriptRunner({
    exec: (id, command, o) => pool.exec(id, command, o),
    loginUser: (id) => servers.get(id).username,
    scriptsDir: opts.scriptsDir ?? defaultScriptsDir(),
  });
  const provision = new ProvisionService({
    runner,
    jobs,
    servers,
    vault,
    audit,
    artifactsDir: join(opts.dataDir, 'artifacts'),
  });
  const sites = new SiteService({
    repo: new SiteRepository(db),
    servers,
    runner,
    jobs,
    vault,
    audit,
    events,
  });
  const services = {
    db,
    events,
    jobs,
    audit,
    servers,
    settings,
    vault,
    terminal,
    provision,
    sites,
    logs,
    dataDir: opts.dataDir,
    version: opts.version,
    runtime: opts.runtime ?? `node ${process.versions.node}`,
  };
  const inner = createRouter(createHandlers(services), (msg, err) =>
    console.error(msg, redactor.redact(String(err))),
  );
  // While locked only the vault's way in answers; only the operator's own input holds it open.
  const router: Router = redactErrors(gateWhileLocked(inner, vault), redactor.redact);
  // Locking revokes access: terminals and log streams end, pooled SSH connections close (a job
  // already running keeps its connection until it ends; nothing new can connect without the vault).
  events.listen((name, payload) => {
    if (name !== 'vault.changed' || (payload as VaultStatus).state === 'unlocked') return;
    terminal.closeAll('Closed: the vault was locked.');
    logs.stopAll();
    pool.revoke();
  });
  let closed = false;
  return {
    router,
    events,
    jobs,
    vault,
    redactor,
    servers,
    pool,
    terminal,
    settings,
    db,
    dataDir: opts.dataDir,
    interruptedAtStart,
    async close() {
      if (closed) return;
      closed = true;
      await jobs.shutdown();
      terminal.closeAll();
      logs.stopAll();
      pool.closeAll();
      vault.dispose();
      db.close();
      releaseLock();
    },
  };
}

export type Services = Parameters<typeof createHandlers>[0];

/** server-scripts/ of the project the process runs from (callers that know better pass scriptsDir). */
function defaultScriptsDir(): string {
  return join(process.cwd(), 'server-scripts');
}
