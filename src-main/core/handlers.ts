import { AppError } from '../api/app-error';
import type { SecretInfo } from '@contract';
import type { CallContext, Handlers } from '../api/router';
import type { AuditRepository } from '../audit/repository';
import { diagnosticsPlannedSteps, diagnosticsRunner } from '../diagnostics/checks';
import type { Database } from '../infra/store/database';
import { schemaVersion } from '../infra/store/database';
import type { JobService } from '../jobs/service';
import type { SettingsRepository } from '../settings/repository';
import type { LogService } from '../logs/service';
import type { ProvisionService } from '../provision/service';
import type { ServerService } from '../servers/service';
import type { SiteService } from '../sites/service';
import type { TerminalService } from '../terminal/service';
import type { VaultService } from '../vault/service';
import { refuseWhileUsed, usersOfSecret, usersOfServer } from './in-use';

interface HandlerDeps {
  db: Database;
  jobs: JobService;
  audit: AuditRepository;
  settings: SettingsRepository;
  vault: VaultService;
  servers: ServerService;
  terminal: TerminalService;
  provision: ProvisionService;
  sites: SiteService;
  logs: LogService;
  dataDir: string;
  version: string;
  runtime: string;
}

/** Maps every contract command to one service call. The type makes a missing command a compile error. */
export function createHandlers(s: HandlerDeps): Handlers {
  const inUse = { servers: () => s.servers.list(), sites: () => s.sites.list() };
  /** Audit entry for a change to one secret: its id, kind and label (or fingerprint), never its value. */
  const auditSecret = (
    ctx: CallContext,
    action: string,
    info: SecretInfo,
    detail: Record<string, unknown> = { kind: info.kind, label: info.label },
  ) => s.audit.record({ actor: ctx.actor, action, target: info.id, detail });

  return {
    'app.info': () => ({
      name: 'Hostdeck',
      version: s.version,
      dataDir: s.dataDir,
      schemaVersion: schemaVersion(s.db),
      runtime: s.runtime,
      platform: `${process.platform}-${process.arch}`,
    }),
    // The lock gate (vault/lock-gate.ts) counts it as activity; nothing else to do.
    'app.activity': () => ({ ok: true as const }),
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
    'vault.status': () => s.vault.status(),
    'vault.setup': async (input, ctx) => {
      const status = await s.vault.setup(input.password);
      s.audit.record({ actor: ctx.actor, action: 'vault.setup' });
      return status;
    },
    'vault.unlock': (input) => s.vault.unlock(input.password),
    'vault.unlockWithKeychain': () => s.vault.unlockWithKeychain(),
    'vault.lock': () => s.vault.lock(),
    'vault.changePassword': async (input, ctx) => {
      const status = await s.vault.changePassword(input.current, input.next);
      s.audit.record({ actor: ctx.actor, action: 'vault.changePassword' });
      return status;
    },
    'vault.setKeychain': async (input, ctx) => {
      const status = await s.vault.setKeychainEnabled(input.enabled);
      s.audit.record({ actor: ctx.actor, action: 'vault.setKeychain', detail: { enabled: input.enabled } });
      return status;
    },
    'vault.setAutoLock': async (input, ctx) => {
      s.settings.update({ vaultAutoLockMinutes: input.minutes });
      s.vault.touch();
      s.audit.record({ actor: ctx.actor, action: 'vault.setAutoLock', detail: { minutes: input.minutes } });
      return s.vault.status();
    },
    'vault.secrets.list': () => s.vault.list(),
    'vault.secrets.add': (input, ctx) => {
      const payload =
        input.kind === 'password'
          ? { kind: 'password' as const, password: input.password }
          : input.kind === 'token'
            ? { kind: 'token' as const, token: input.token }
            : { kind: 'db-credential' as const, username: input.username, password: input.password };
      const info = s.vault.add(input.label, payload);
      auditSecret(ctx, 'vault.secrets.add', info);
      return info;
    },
    'vault.secrets.reveal': (input, ctx) => {
      const revealed = s.vault.reveal(input.id);
      const info = s.vault.info(input.id);
      auditSecret(ctx, 'vault.secrets.reveal', info);
      return revealed;
    },
    'vault.secrets.remove': (input, ctx) => {
      const info = s.vault.info(input.id);
      refuseWhileUsed(
        `The secret "${info.label}"`,
        usersOfSecret(inUse, input.id),
        'Switch those servers to another key or password, or delete those sites, first; nothing was removed.',
      );
      s.vault.remove(input.id);
      auditSecret(ctx, 'vault.secrets.remove', info);
      return { removed: true as const };
    },
    'vault.sshKeys.generate': (input, ctx) => {
      const info = s.vault.generateSshKey(input.label);
      auditSecret(ctx, 'vault.sshKeys.generate', info, { fingerprint: info.fingerprint });
      return info;
    },
    'vault.sshKeys.import': (input, ctx) => {
      const info = s.vault.importSshKey(input.label, input.privateKey, input.passphrase);
      auditSecret(ctx, 'vault.sshKeys.import', info, { fingerprint: info.fingerprint });
      return info;
    },
    'vault.export': async (input, ctx) => {
      const result = await s.vault.exportTo(input.path, input.passphrase);
      s.audit.record({
        actor: ctx.actor,
        action: 'vault.export',
        detail: { path: input.path, count: result.count },
      });
      return result;
    },
    'vault.import': async (input, ctx) => {
      const result = await s.vault.importFrom(input.path, input.passphrase);
      s.audit.record({ actor: ctx.actor, action: 'vault.import', detail: { path: input.path, ...result } });
      return result;
    },
    'servers.list': () => s.servers.list(),
    'servers.get': (input) => s.servers.get(input.id),
    'servers.add': (input, ctx) => s.servers.add(input, ctx.actor),
    'servers.update': ({ id, ...patch }, ctx) => s.servers.update(id, patch, ctx.actor),
    'servers.remove': (input, ctx) => {
      refuseWhileUsed(
        `The server ${s.servers.get(input.id).name}`,
        usersOfServer(inUse, input.id),
        'Delete its sites first (each keeps a final backup on request); nothing was removed.',
      );
      s.servers.remove(input.id, ctx.actor);
      return { removed: true as const };
    },
    'servers.probeHostKey': (input) => s.servers.probeHostKey(input.id),
    'servers.trustHostKey': (input, ctx) => s.servers.trustHostKey(input.id, input.fingerprint, ctx.actor),
    'servers.replaceHostKey': (input, ctx) =>
      s.servers.replaceHostKey(input.id, input.fingerprint, ctx.actor),
    'servers.installKey': (input, ctx) =>
      s.servers.installKey(input.id, input.password, input.keyId, ctx.actor),
    'servers.refresh': (input) => s.servers.refresh(input.ids),
    'provision.modules': () => s.provision.modules(),
    'provision.run': (input, ctx) => ({
      jobId: s.provision.run(input.serverId, input.modules, input.check, ctx.actor).id,
    }),
    'provision.status': (input) => s.provision.status(input.serverId),
    'provision.action': (input, ctx) => ({
      jobId: s.provision.action(input.serverId, input.module, input.verb, ctx.actor).id,
    }),
    'tenants.list': () => s.sites.tenants(),
    'tenants.create': (input, ctx) => s.sites.createTenant(input, ctx.actor),
    'tenants.remove': (input, ctx) => {
      s.sites.removeTenant(input.tenantId, ctx.actor);
      return { removed: true as const };
    },
    'sites.list': () => s.sites.list(),
    'sites.get': (input) => s.sites.get(input.siteId),
    'sites.create': (input, ctx) => s.sites.create(input, ctx.actor),
    'sites.update': (input, ctx) => s.sites.update(input, ctx.actor),
    'sites.suspend': (input, ctx) => s.sites.suspend(input.siteId, ctx.actor),
    'sites.resume': (input, ctx) => s.sites.resume(input.siteId, ctx.actor),
    'sites.delete': (input, ctx) => s.sites.delete(input.siteId, input.backup, ctx.actor, input.forgetOnly),
    'sites.refresh': (input) => s.sites.refresh(input.siteId),
    'sites.deployKey': (input, ctx) => s.sites.deployKey(input.siteId, ctx.actor),
    'sites.deploy': (input, ctx) => s.sites.deploy(input, ctx.actor),
    'sites.rollback': (input, ctx) => s.sites.rollback(input, ctx.actor),
    'logs.follow': (input) => s.logs.follow(input.serverId, input.units, input.backlog),
    'logs.stop': (input) => {
      s.logs.stop(input.streamId);
      return { done: true as const };
    },
    'terminal.open': async (input, ctx) => {
      const asSite = input.siteId ? s.sites.shellCommand(input.siteId) : null;
      if (asSite && asSite.serverId !== input.serverId) {
        throw new AppError('VALIDATION', 'That site is on another server.', { field: 'siteId' });
      }
      const opened = await s.terminal.open(input.serverId, input.cols, input.rows, asSite?.command);
      s.audit.record({
        actor: ctx.actor,
        action: 'terminal.open',
        target: input.serverId,
        detail: { session: opened.sessionId, ...(input.siteId ? { site: input.siteId } : {}) },
      });
      return opened;
    },
    'terminal.write': (input) => {
      s.terminal.write(input.sessionId, input.data);
      return { done: true as const };
    },
    'terminal.resize': (input) => {
      s.terminal.resize(input.sessionId, input.cols, input.rows);
      return { done: true as const };
    },
    'terminal.ack': (input) => {
      s.terminal.ack(input.sessionId, input.units);
      return { done: true as const };
    },
    'terminal.close': (input) => {
      s.terminal.close(input.sessionId);
      return { done: true as const };
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
