// The jobs capability: long work as persisted jobs with steps, live progress, a stored log, cancel,
// and run-again from the command (and input) that started it.
import type { jobsCommands, Result } from '@contract';
import { AppError } from '../base/app-error';
import type { Caller } from '../base/call';
import type { Capability, CapabilityBase, SliceNames } from '../base/capability';
import type { Database } from '../infra/store/database';
import { JobRepository } from './repository';
import { JobService } from './service';
import type { JobServiceOptions } from './service';

export type { JobContext, JobRunner, JobService, JobSpec } from './service';

/** What a capability needs to run its long work: start a job. */
export type JobStarter = Pick<JobService, 'start'>;

export interface JobsDeps extends CapabilityBase {
  db: Database;
  options?: JobServiceOptions;
  /** The router, for running a job's command again (bound once the router exists). */
  dispatch: (command: string, input: unknown, caller: Caller) => Promise<Result<unknown>>;
}

export interface Jobs extends Capability<SliceNames<typeof jobsCommands>, JobService> {
  /** Jobs cut off by the previous process, now marked interrupted. */
  readonly interruptedAtStart: string[];
}

export function createJobs(d: JobsDeps): Jobs {
  const jobs = new JobService(new JobRepository(d.db), d.events, d.options);
  const interruptedAtStart = jobs.recoverInterrupted();
  d.lifetime.add(() => jobs.shutdown());
  return {
    service: jobs,
    interruptedAtStart,
    handlers: {
      'jobs.list': (input) => jobs.list(input),
      'jobs.get': (input) => jobs.get(input.id),
      'jobs.log': (input) => jobs.log(input.id, input.afterSeq, input.limit),
      'jobs.cancel': (input, ctx) => {
        const job = jobs.cancel(input.id);
        ctx.audit({ target: job.id, detail: { kind: job.kind } });
        return job;
      },
      'jobs.rerun': async (input, ctx) => {
        const origin = jobs.origin(input.id);
        // Through the router again: validated, gated and audited as if the operator gave it now.
        const result = await d.dispatch(origin.command, origin.input, { actor: ctx.actor });
        if (!result.ok) throw AppError.fromApi(result.error);
        const jobId = (result.value as { jobId?: unknown }).jobId;
        if (typeof jobId !== 'string') {
          throw new AppError('INVALID_STATE', `${origin.command} did not start a job this time.`);
        }
        ctx.audit({ target: jobId, detail: { of: input.id, command: origin.command } });
        return { jobId };
      },
    },
  };
}
