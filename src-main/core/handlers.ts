import type { Handlers } from '../api/router';
import type { AuditRepository } from '../audit/repository';
import { diagnosticsPlannedSteps, diagnosticsRunner } from '../diagnostics/checks';
import type { Database } from '../infra/store/database';
import { schemaVersion } from '../infra/store/database';
import type { JobService } from '../jobs/service';
import type { SettingsRepository } from '../settings/repository';

interface HandlerDeps {
  db: Database;
  jobs: JobService;
  audit: AuditRepository;
  settings: SettingsRepository;
  dataDir: string;
  version: string;
  runtime: string;
}

/** Maps every contract command to one service call. The type makes a missing command a compile error. */
export function createHandlers(s: HandlerDeps): Handlers {
  return {
    'app.info': () => ({
      name: 'Hostdeck',
      version: s.version,
      dataDir: s.dataDir,
      schemaVersion: schemaVersion(s.db),
      runtime: s.runtime,
      platform: `${process.platform}-${process.arch}`,
    }),
    'settings.get': () => s.settings.get(),
    'settings.update': (input, ctx) => {
      const before = s.settings.get();
      const after = s.settings.update(input);
      s.audit.record({ actor: ctx.actor, action: 'settings.update', detail: { before, after } });
      return after;
    },
    'audit.list': (input) => s.audit.list(input),
    'jobs.list': (input) => s.jobs.list(input),
    'jobs.get': (input) => s.jobs.get(input.id),
    'jobs.log': (input) => s.jobs.log(input.id, input.afterSeq, input.limit),
    'jobs.cancel': (input, ctx) => {
      const job = s.jobs.cancel(input.id);
      s.audit.record({ actor: ctx.actor, action: 'jobs.cancel', target: job.id, detail: { kind: job.kind } });
      return job;
    },
    'diagnostics.run': () => {
      const job = s.jobs.start(
        { kind: 'diagnostics', title: 'Check this install', plannedSteps: diagnosticsPlannedSteps },
        diagnosticsRunner({ db: s.db, dataDir: s.dataDir }),
      );
      return { jobId: job.id };
    },
  };
}
