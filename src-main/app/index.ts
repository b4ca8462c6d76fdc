// The app capability: what this install is (version, data directory, schema), its settings, the
// audit trail, the operator's activity, and the install's self-check.
import type { appCommands } from '@contract';
import type { Capability, CapabilityBase, SliceNames } from '../base/capability';
import { schemaVersion } from '../infra/store/database';
import type { Database } from '../infra/store/database';
import type { JobStarter } from '../jobs';
import type { AuditRepository } from './audit-repository';
import { diagnosticsPlannedSteps, diagnosticsRunner } from './diagnostics';
import type { SettingsRepository } from './settings-repository';

export { AuditRepository } from './audit-repository';
export { SettingsRepository } from './settings-repository';

export interface AppDeps extends CapabilityBase {
  db: Database;
  jobs: JobStarter;
  settings: SettingsRepository;
  audit: AuditRepository;
  dataDir: string;
  version: string;
  runtime: string;
}

export function createApp(d: AppDeps): Capability<SliceNames<typeof appCommands>, null> {
  return {
    service: null,
    handlers: {
      'app.info': () => ({
        name: 'Hostdeck',
        version: d.version,
        dataDir: d.dataDir,
        schemaVersion: schemaVersion(d.db),
        runtime: d.runtime,
        platform: `${process.platform}-${process.arch}`,
      }),
      // The lock gate (vault/lock-gate.ts) counts it as activity; nothing else to do.
      'app.activity': () => ({ ok: true as const }),
      'settings.get': () => d.settings.get(),
      'settings.update': (input, ctx) => {
        const before = d.settings.get();
        const after = d.settings.update(input);
        ctx.audit({ detail: { before, after } });
        return after;
      },
      'audit.list': (input) => d.audit.list(input),
      'audit.verify': () => d.audit.verify(),
      'diagnostics.run': (_input, ctx) => {
        const job = d.jobs.start(
          {
            kind: 'diagnostics',
            title: 'Check this install',
            plannedSteps: diagnosticsPlannedSteps,
            origin: ctx.origin,
          },
          diagnosticsRunner({ db: d.db, dataDir: d.dataDir }),
        );
        return { jobId: job.id };
      },
    },
  };
}
