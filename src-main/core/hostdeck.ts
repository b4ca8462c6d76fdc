import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EventBus } from '../api/events';
import { createRouter } from '../api/router';
import type { Router } from '../api/router';
import { AuditRepository } from '../audit/repository';
import { openDatabase } from '../infra/store/database';
import { acquireInstanceLock } from '../infra/store/instance-lock';
import type { Database } from '../infra/store/database';
import { JobRepository } from '../jobs/repository';
import { JobService } from '../jobs/service';
import { SettingsRepository } from '../settings/repository';
import { createHandlers } from './handlers';

export interface HostdeckOptions {
  /** The app's user-data directory (Electron: app.getPath('userData')). */
  dataDir: string;
  version: string;
  runtime?: string;
}

export interface Hostdeck {
  readonly router: Router;
  readonly events: EventBus;
  readonly jobs: JobService;
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
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const releaseLock = acquireInstanceLock(opts.dataDir);
  let db: Database;
  try {
    db = openDatabase(join(opts.dataDir, 'hostdeck.sqlite'));
  } catch (err) {
    releaseLock();
    throw err;
  }
  const events = new EventBus();
  const jobs = new JobService(new JobRepository(db), events);
  const interruptedAtStart = jobs.recoverInterrupted();
  const services = {
    db,
    events,
    jobs,
    audit: new AuditRepository(db),
    settings: new SettingsRepository(db),
    dataDir: opts.dataDir,
    version: opts.version,
    runtime: opts.runtime ?? `node ${process.versions.node}`,
  };
  const router = createRouter(createHandlers(services));
  let closed = false;
  return {
    router,
    events,
    jobs,
    db,
    dataDir: opts.dataDir,
    interruptedAtStart,
    async close() {
      if (closed) return;
      closed = true;
      await jobs.shutdown();
      db.close();
      releaseLock();
    },
  };
}

export type Services = Parameters<typeof createHandlers>[0];
