import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModuleName, ModuleStatus } from '@contract';
import { AppError } from '../base/app-error';
import type { CallContext } from '../base/call';
import type { JobContext, JobStarter } from '../jobs';
import type { ScriptRunner } from '../remote/runner';
import type { ServerService } from '../servers';
import { moduleCatalog } from './catalog';

export interface ProvisionDeps {
  runner: ScriptRunner;
  jobs: JobStarter;
  servers: Pick<ServerService, 'get'>;
  /**
   * The server's MariaDB admin credential: made once, kept in the vault, owned by the server by id
   * (a rename keeps it); see provision/index.ts.
   */
  mariadbAdmin(serverId: string): { password: string };
  /** The domains of the server's sites (they need caddy, mariadb and frankenphp). */
  sitesOn(serverId: string): string[];
  /** Where the laptop keeps release artifacts to upload (offline installs). */
  artifactsDir?: string;
}

/** The modules every site of a server runs on. */
const SITES_NEED = new Set<ModuleName>(['caddy', 'mariadb', 'frankenphp']);

/** Server modules (caddy, mariadb, …): provision, act on one, read their status back. */
export class ProvisionService {
  constructor(private readonly d: ProvisionDeps) {}

  modules() {
    const available = new Set(this.d.runner.modules());
    return moduleCatalog.filter((m) => available.has(m.name));
  }

  /** Provision (or dry-run) the chosen modules, in catalogue order, as one job. */
  run(serverId: string, modules: ModuleName[], check: boolean, call: CallContext) {
    const server = this.d.servers.get(serverId);
    const ordered = moduleCatalog.map((m) => m.name).filter((m) => modules.includes(m));
    call.audit({
      action: check ? 'provision.check' : 'provision.run',
      target: serverId,
      detail: { modules: ordered },
    });
    return this.d.jobs.start(
      {
        kind: check ? 'provision.check' : 'provision.run',
        title: `${check ? 'Check' : 'Provision'} ${server.name}`,
        target: serverId,
        origin: call.origin,
      },
      async (ctx) => {
        await this.d.runner.upload(ctx, serverId);
        for (const [i, m] of ordered.entries()) {
          await this.runModule(ctx, serverId, m, 'install', check);
          ctx.setProgress((i + 1) / ordered.length);
        }
      },
    );
  }

  action(
    serverId: string,
    module: ModuleName,
    verb: 'install' | 'enable' | 'disable' | 'remove',
    call: CallContext,
    confirm?: string,
  ) {
    const server = this.d.servers.get(serverId);
    this.refuseUnconfirmed(server.name, this.d.sitesOn(serverId), module, verb, confirm);
    call.audit({ action: `module.${verb}`, target: serverId, detail: { module } });
    return this.d.jobs.start(
      {
        kind: `module.${verb}`,
        title: `${verb} ${module} on ${server.name}`,
        target: serverId,
        origin: call.origin,
      },
      async (ctx) => {
        await this.d.runner.upload(ctx, serverId);
        await this.runModule(ctx, serverId, module, verb, false);
      },
    );
  }

  /**
   * What a destructive action would break, said before anything runs: removing a module the sites
   * need is refused while they exist; disabling one takes them offline and disabling or removing
   * the firewall opens every port, so both need the server's name typed.
   */
  private refuseUnconfirmed(
    name: string,
    sites: string[],
    module: ModuleName,
    verb: 'install' | 'enable' | 'disable' | 'remove',
    confirm: string | undefined,
  ) {
    const title = moduleCatalog.find((m) => m.name === module)?.title ?? module;
    const listed =
      sites.length > 3 ? `${sites.slice(0, 3).join(', ')} and ${sites.length - 3} more` : sites.join(', ');
    let consequence: string | null = null;
    if (SITES_NEED.has(module) && sites.length > 0) {
      if (verb === 'remove') {
        throw new AppError(
          'CONFLICT',
          `${title} on ${name} is still in use by ${sites.length} site(s) (${listed}): removing it would take them down.`,
          { hint: 'Delete those sites (or move them to another server) first.' },
        );
      }
      if (verb === 'disable')
        consequence = `Disabling ${title} takes ${sites.length} site(s) of ${name} offline (${listed})`;
    }
    if (module === 'firewall' && (verb === 'disable' || verb === 'remove')) {
      consequence = `${verb === 'disable' ? 'Disabling' : 'Removing'} the firewall leaves every port of ${name} open to the internet`;
    }
    if (consequence && confirm !== name) {
      throw new AppError('VALIDATION', `${consequence}: type the server's name (${name}) to confirm.`, {
        field: 'confirm',
      });
    }
  }

  /** Reads every module's status back from the host (the host is the truth for what runs there). */
  async status(serverId: string): Promise<ModuleStatus[]> {
    return Promise.all(
      this.modules().map(async (m) => {
        const { status: s, error } = await this.d.runner.status(serverId, m.name);
        const drift = s['drift'];
        return {
          name: m.name,
          installed: s['installed'] === 'yes',
          version: s['version'] || null,
          enabled: s['enabled'] === 'yes',
          active: s['active'] === 'yes',
          drift: drift === undefined || drift === 'none' || !drift ? [] : drift.split(','),
          error,
        };
      }),
    );
  }

  private async runModule(
    ctx: JobContext,
    serverId: string,
    module: ModuleName,
    verb: string,
    check: boolean,
  ) {
    ctx.throwIfCancelled();
    const { args, stdin } = await this.moduleOptions(serverId, module, verb);
    await this.d.runner.run(ctx, serverId, module, verb, { args, check, ...(stdin ? { stdin } : {}) });
  }

  /** Per-module inputs: validated here, validated again on the host; secrets only on stdin. */
  private async moduleOptions(
    serverId: string,
    module: ModuleName,
    verb: string,
  ): Promise<{ args: string[]; stdin?: string | Buffer }> {
    if (verb !== 'install') return { args: [] };
    if (module === 'mariadb') {
      const { password } = this.d.mariadbAdmin(serverId);
      return { args: ['--admin-password-stdin'], stdin: `${password}\n` };
    }
    if (module === 'fail2ban') {
      // Never ban the laptop Hostdeck manages from: it is where the SSH connection comes from.
      const r = await this.d.runner.exec(serverId, ['sh', '-c', 'printf %s "${SSH_CLIENT%% *}"']);
      const ip = r.stdout.trim();
      return { args: /^[0-9a-fA-F.:]+$/.test(ip) ? ['--ignore-ip', ip] : [] };
    }
    if (module === 'frankenphp') {
      // Offline-capable: a pinned binary in the laptop's artifact cache is uploaded on stdin; without
      // one, the host downloads the pinned release itself. Both are checked against the pinned SHA-256.
      const cached = await this.cachedFrankenphp(serverId);
      return cached
        ? { args: ['--source', 'upload', '--sha256', cached.sha256], stdin: cached.bytes }
        : { args: [] };
    }
    if (module === 'ssh-hardening') {
      const server = this.d.servers.get(serverId);
      return { args: server.auth.kind === 'key' ? ['--key-login-proven'] : [] };
    }
    return { args: [] };
  }

  /** artifacts/frankenphp-linux-<arch> in the app's data directory, if the operator put one there. */
  private async cachedFrankenphp(serverId: string): Promise<{ bytes: Buffer; sha256: string } | null> {
    if (!this.d.artifactsDir) return null;
    const arch = (await this.d.runner.exec(serverId, ['uname', '-m'])).stdout.trim();
    if (!/^(x86_64|aarch64)$/.test(arch)) return null;
    try {
      const bytes = await readFile(join(this.d.artifactsDir, `frankenphp-linux-${arch}`));
      return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
    } catch {
      return null;
    }
  }
}
