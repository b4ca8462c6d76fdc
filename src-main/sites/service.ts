import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { iniToOption } from '@contract';
import type { DeployKeyInfo, ParsedInputOf, SecretInfo, SiteInfo, SiteLive, TenantInfo } from '@contract';
import { AppError, notFound } from '../base/app-error';
import type { EventBus } from '../base/events';
import type { CallContext, CallOrigin } from '../base/call';
import type { References } from '../base/references';
import type { JobContext, JobStarter } from '../jobs';
import type { ScriptRunner } from '../remote/runner';
import type { ServerService } from '../servers';
import { randomPassword } from '../vault';
import type { VaultService } from '../vault';
import type { SiteRecord, SiteRepository } from './repository';

export interface SiteDeps {
  repo: SiteRepository;
  servers: Pick<ServerService, 'get'>;
  runner: ScriptRunner;
  jobs: JobStarter;
  vault: Pick<VaultService, 'add' | 'generateSshKey' | 'info' | 'redact' | 'remove' | 'use'>;
  events: EventBus;
  references: References;
  /**
   * The encrypted final backup of a site about to be deleted (the backups capability's, bound by the
   * root): it runs on the site's server inside the delete job, before anything is removed.
   */
  finalBackup(ctx: JobContext, site: { serverId: string; slug: string; domain: string }): Promise<void>;
  now?: () => Date;
}

const FIRST_PORT = 8081;
const LAST_PORT = 9999;
/** Lists the loopback ports the host's sites run on (root-only files; fixed script, no input). */
const HOST_PORTS_SCRIPT = `for f in /etc/hostdeck/sites/*.env; do [ -f "$f" ] && sed -n 's/^HOSTDECK_PHP_LISTEN=127\\.0\\.0\\.1://p' "$f"; done; exit 0`;

/** Every host name a site answers on, the www. name included when the policy uses it. */
export const siteNames = (s: Pick<SiteRecord, 'domain' | 'www' | 'aliases'>): string[] => [
  s.domain,
  ...(s.www === 'none' ? [] : [`www.${s.domain}`]),
  ...s.aliases,
];

/**
 * Tenants and sites. A site lives on one server: every change is a job that runs the site module
 * of the server scripts (which validates everything again on the host); the app keeps the
 * record, the vault keeps its secrets, and "refresh" reads the host's truth back.
 */
export class SiteService {
  constructor(private readonly d: SiteDeps) {}

  private stamp() {
    return (this.d.now?.() ?? new Date()).toISOString();
  }

  // ---- tenants -----------------------------------------------------------------------------------

  tenants(): TenantInfo[] {
    return this.d.repo.tenants();
  }

  createTenant(input: ParsedInputOf<'tenants.create'>, call: CallContext): TenantInfo {
    if (this.d.repo.tenants().some((t) => t.slug === input.slug)) {
      throw new AppError('CONFLICT', `A tenant with the slug "${input.slug}" already exists.`, {
        field: 'slug',
        hint: 'Slugs name the Linux user and directory on every server; pick another.',
      });
    }
    const id = randomUUID();
    this.d.repo.insertTenant({ id, name: input.name, slug: input.slug, createdAt: this.stamp() });
    call.audit({ action: 'tenant.create', target: id, detail: { slug: input.slug } });
    return this.d.repo.tenant(id)!;
  }

  removeTenant(id: string, call: CallContext): void {
    const tenant = this.d.repo.tenant(id);
    if (!tenant) throw notFound('Tenant', id);
    this.d.references.refuseWhileUsed(
      'tenant',
      id,
      `Tenant "${tenant.name}"`,
      'Delete its sites first; nothing was removed.',
    );
    this.d.repo.removeTenant(id);
    call.audit({ action: 'tenant.remove', target: id, detail: { slug: tenant.slug } });
  }

  // ---- sites -------------------------------------------------------------------------------------

  list(): SiteInfo[] {
    return this.d.repo.list().map((s) => this.info(s));
  }

  get(id: string): SiteInfo {
    return this.info(this.record(id));
  }

  private record(id: string): SiteRecord {
    const site = this.d.repo.get(id);
    if (!site) throw notFound('Site', id);
    return site;
  }

  private info(s: SiteRecord): SiteInfo {
    const tenant = this.d.repo.tenant(s.tenantId);
    let serverName = s.serverId;
    try {
      serverName = this.d.servers.get(s.serverId).name;
    } catch {
      /* a removed server keeps its id as name */
    }
    const host = s.www === 'to-www' ? `www.${s.domain}` : s.domain;
    return {
      ...s,
      serverName,
      tenantSlug: tenant?.slug ?? '?',
      tenantName: tenant?.name ?? '?',
      dbName: dbName(s.slug),
      url: `${s.tls === 'off' ? 'http' : 'https'}://${host}/`,
    };
  }

  private changed(id: string) {
    const site = this.d.repo.get(id);
    if (site) this.d.events.emit('sites.changed', this.info(site));
  }

  private patch(id: string, patch: Parameters<SiteRepository['update']>[1]) {
    this.d.repo.update(id, patch, this.stamp());
    this.changed(id);
  }

  /** Refuses names any other site (on any server) answers on. */
  private checkNames(names: string[], exceptId: string | null) {
    for (const other of this.d.repo.list()) {
      if (other.id === exceptId) continue;
      const taken = siteNames(other);
      const clash = names.find((n) => taken.includes(n));
      if (clash) {
        throw new AppError('CONFLICT', `${clash} already belongs to site ${other.domain}.`, {
          field: clash === names[0] ? 'domain' : 'aliases',
          hint: 'A host name can point at one site only; remove it there first.',
        });
      }
    }
  }

  private freePort(serverId: string, taken: Set<number>): number {
    const used = new Set(
      this.d.repo
        .list()
        .filter((s) => s.serverId === serverId)
        .map((s) => s.port),
    );
    for (let p = FIRST_PORT; p <= LAST_PORT; p++) if (!used.has(p) && !taken.has(p)) return p;
    throw new AppError(
      'CONFLICT',
      `No free site port between ${FIRST_PORT} and ${LAST_PORT} on this server.`,
    );
  }

  create(input: ParsedInputOf<'sites.create'>, call: CallContext): { jobId: string; site: SiteInfo } {
    const server = this.d.servers.get(input.serverId);
    const tenant = this.d.repo.tenant(input.tenantId);
    if (!tenant) throw notFound('Tenant', input.tenantId);
    const all = this.d.repo.list();
    if (all.some((s) => s.serverId === server.id && s.slug === input.slug)) {
      throw new AppError('CONFLICT', `Server ${server.name} already has a site called "${input.slug}".`, {
        field: 'slug',
      });
    }
    this.checkNames(siteNames(input), null);
    if (input.type === 'wordpress' && !input.adminEmail) {
      throw new AppError('VALIDATION', 'WordPress needs an admin e-mail address.', { field: 'adminEmail' });
    }
    // Secrets first (this fails fast, before anything is recorded, when the vault is locked).
    const db = this.d.vault.add(`Database ${dbName(input.slug)} of ${input.domain} on ${server.name}`, {
      kind: 'db-credential',
      username: dbName(input.slug),
      password: randomPassword(),
    });
    const admin =
      input.type === 'wordpress'
        ? this.d.vault.add(`WordPress admin of ${input.domain}`, {
            kind: 'password',
            password: randomPassword(24),
          })
        : null;
    const now = this.stamp();
    const site: SiteRecord = {
      id: randomUUID(),
      serverId: server.id,
      tenantId: tenant.id,
      slug: input.slug,
      domain: input.domain,
      aliases: input.aliases,
      type: input.type,
      tls: input.tls,
      www: input.www,
      php: input.php,
      port: this.freePort(server.id, new Set()),
      status: 'creating',
      lastError: null,
      dbSecretId: db.id,
      adminSecretId: admin?.id ?? null,
      deployKeySecretId: null,
      repo: null,
      branch: null,
      live: null,
      wordpress:
        input.type === 'wordpress'
          ? { title: input.title || input.domain, adminEmail: input.adminEmail! }
          : null,
      createdAt: now,
      updatedAt: now,
    };
    this.d.repo.insert(site);
    call.audit({
      action: 'site.create',
      target: site.id,
      detail: {
        server: server.id,
        tenant: tenant.slug,
        slug: site.slug,
        domain: site.domain,
        type: site.type,
      },
    });
    this.changed(site.id);
    // Run again, a failed creation converges through an update that changes nothing.
    const rerun: CallOrigin = { command: 'sites.update', input: { siteId: site.id } };
    const job = this.siteJob(
      rerun,
      site.id,
      'site.create',
      `Create ${site.domain} on ${server.name}`,
      async (ctx) => {
        await ctx.step('Site port', async () => {
          const hostPorts = await this.hostPorts(site.serverId);
          const current = this.record(site.id);
          if (!hostPorts.has(current.port)) return { state: 'ok', detail: `127.0.0.1:${current.port}` };
          const port = this.freePort(site.serverId, hostPorts);
          this.patch(site.id, { port });
          return { state: 'changed', detail: `${current.port} is taken on the host; using ${port}` };
        });
        await this.install(ctx, site.id);
      },
    );
    return { jobId: job.id, site: this.get(site.id) };
  }

  update(input: ParsedInputOf<'sites.update'>, call: CallContext): { jobId: string } {
    const site = this.record(input.siteId);
    const { siteId: _id, ...changes } = input;
    const next = {
      ...site,
      ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)),
    } as SiteRecord;
    const own = [next.domain, ...(next.www === 'none' ? [] : [`www.${next.domain}`])];
    const repeated = next.aliases.find((a) => own.includes(a));
    if (repeated) {
      throw new AppError('VALIDATION', `${repeated} is already the site's own name, not an alias.`, {
        field: 'aliases',
      });
    }
    this.checkNames(siteNames(next), site.id);
    this.patch(site.id, {
      aliases: next.aliases,
      tls: next.tls,
      www: next.www,
      php: next.php,
    });
    call.audit({ action: 'site.update', target: site.id, detail: changes });
    const job = this.siteJob(call.origin, site.id, 'site.update', `Update ${site.domain}`, (ctx) =>
      this.install(ctx, site.id),
    );
    return { jobId: job.id };
  }

  suspend(id: string, call: CallContext) {
    return this.verbJob(id, call, 'disable', 'site.suspend', 'Suspend', 'suspended');
  }

  resume(id: string, call: CallContext) {
    return this.verbJob(id, call, 'enable', 'site.resume', 'Resume', 'active');
  }

  /** Deletes the site on its host, then here; `forgetOnly` skips the host (a server that is gone). */
  delete(id: string, backup: boolean, call: CallContext, forgetOnly = false): { jobId: string } {
    const site = this.record(id);
    call.audit({
      action: forgetOnly ? 'site.forget' : 'site.delete',
      target: id,
      detail: { domain: site.domain, backup: forgetOnly ? false : backup },
    });
    const title = `${forgetOnly ? 'Forget' : 'Delete'} ${site.domain}`;
    const job = this.siteJob(call.origin, id, 'site.delete', title, async (ctx) => {
      this.patch(id, { status: 'deleting' });
      if (forgetOnly) {
        ctx.log(`Forgetting ${site.domain} in Hostdeck only: nothing on its server was touched.`, 'info');
      } else {
        await this.d.runner.upload(ctx, site.serverId);
        // An encrypted snapshot in the server's restic repository, never a plaintext archive.
        if (backup) await this.d.finalBackup(ctx, site);
        await this.d.runner.run(ctx, site.serverId, 'site', 'remove', {
          args: ['--site', site.slug],
          stepPrefix: '',
        });
      }
      for (const secret of [site.dbSecretId, site.adminSecretId, site.deployKeySecretId]) {
        if (!secret) continue;
        try {
          this.d.vault.remove(secret);
        } catch (err) {
          ctx.log(`The vault kept secret ${secret}: ${(err as Error).message}`, 'err');
        }
      }
      this.d.repo.remove(id);
      this.d.events.emit('sites.removed', { siteId: id });
    });
    return { jobId: job.id };
  }

  async refresh(id: string): Promise<SiteInfo> {
    const site = this.record(id);
    const { status: s, error } = await this.d.runner.status(site.serverId, 'site', ['--site', site.slug]);
    if (error && !s['exists']) {
      throw new AppError('SSH_ERROR', `Reading ${site.domain} back from its host failed: ${error}`);
    }
    const live = parseLive(s, this.stamp());
    const patch: Parameters<SiteRepository['update']>[1] = { live };
    // The host is the truth for the port; the status follows what runs there.
    if (live.port && live.port !== site.port) patch.port = live.port;
    if (site.status !== 'creating' && site.status !== 'deleting') {
      patch.status = !live.exists
        ? 'unknown'
        : live.suspended
          ? 'suspended'
          : live.active
            ? 'active'
            : 'failed';
      if (live.exists && !live.suspended && !live.active) patch.lastError = 'its PHP process is not running';
    }
    this.patch(id, patch);
    return this.get(id);
  }

  deployKey(id: string, call: CallContext): DeployKeyInfo {
    const site = this.record(id);
    const toKeyInfo = (info: SecretInfo): DeployKeyInfo => ({
      secretId: info.id,
      publicKey: info.publicKey ?? '',
      fingerprint: info.fingerprint ?? '',
    });
    if (site.deployKeySecretId) {
      call.audit(null); // nothing changed: the key exists
      return toKeyInfo(this.d.vault.info(site.deployKeySecretId));
    }
    const key = this.d.vault.generateSshKey(`Deploy key of ${site.domain}`);
    this.patch(id, { deployKeySecretId: key.id });
    call.audit({ action: 'site.deployKey', target: id, detail: { fingerprint: key.fingerprint } });
    return toKeyInfo(key);
  }

  deploy(input: ParsedInputOf<'sites.deploy'>, call: CallContext): { jobId: string } {
    const site = this.record(input.siteId);
    if (input.useDeployKey && !site.deployKeySecretId) {
      throw new AppError('INVALID_STATE', `${site.domain} has no deploy key yet.`, {
        field: 'useDeployKey',
        hint: 'Create it (Deploy key), add its public key to the repository, then deploy.',
      });
    }
    const hooks = input.hooks ?? (site.type === 'laravel' ? 'laravel' : 'none');
    const source = input.folder ? { folder: input.folder } : { repo: input.repo, branch: input.branch };
    call.audit({ action: 'site.deploy', target: site.id, detail: { ...source, hooks } });
    if (input.repo) this.patch(site.id, { repo: input.repo, branch: input.branch });
    const what = input.folder ? basename(input.folder) : input.branch;
    const job = this.siteJob(
      call.origin,
      site.id,
      'site.deploy',
      `Deploy ${site.domain} (${what})`,
      async (ctx) => {
        await this.d.runner.upload(ctx, site.serverId);
        const common = ['--site', site.slug, '--keep', String(input.keep), '--hooks', hooks];
        if (input.folder) {
          let archive: Buffer | null = null;
          await ctx.step(`Pack ${input.folder}`, async () => {
            archive = await packFolder(input.folder!);
            return { state: 'ok', detail: `${(archive.length / 1048576).toFixed(1)} MiB (without .git)` };
          });
          await this.d.runner.run(ctx, site.serverId, 'site', 'deploy', {
            args: [...common, '--source', 'archive'],
            stdin: archive!,
            stepPrefix: '',
          });
        } else {
          const key = input.useDeployKey
            ? this.d.vault.use(site.deployKeySecretId!, 'ssh-key').privateKey
            : null;
          await this.d.runner.run(ctx, site.serverId, 'site', 'deploy', {
            args: [
              ...common,
              '--source',
              'git',
              '--repo',
              input.repo!,
              '--branch',
              input.branch,
              ...(key ? ['--deploy-key-stdin'] : []),
            ],
            ...(key ? { stdin: key } : {}),
            stepPrefix: '',
          });
        }
        await this.refreshStep(ctx, site.id);
      },
    );
    return { jobId: job.id };
  }

  rollback(input: ParsedInputOf<'sites.rollback'>, call: CallContext): { jobId: string } {
    const site = this.record(input.siteId);
    call.audit({
      action: 'site.rollback',
      target: site.id,
      detail: { release: input.release ?? 'previous' },
    });
    const job = this.siteJob(
      call.origin,
      site.id,
      'site.rollback',
      `Roll back ${site.domain}`,
      async (ctx) => {
        await this.d.runner.upload(ctx, site.serverId);
        await this.d.runner.run(ctx, site.serverId, 'site', 'rollback', {
          args: ['--site', site.slug, ...(input.release ? ['--release', input.release] : [])],
          stepPrefix: '',
        });
        await this.refreshStep(ctx, site.id);
      },
    );
    return { jobId: job.id };
  }

  /**
   * The command that opens a shell in the site's directory as its tenant's user (the tenant has no
   * login shell: root starts bash for it with runuser). Fixed text; the paths are validated slugs.
   */
  shellCommand(id: string): { serverId: string; command: string } {
    const site = this.record(id);
    const tenant = this.d.repo.tenant(site.tenantId)!;
    const dir = `/srv/tenants/${tenant.slug}/${site.slug}`;
    const script =
      'cd "$1/current" 2>/dev/null || cd "$1" || exit 1; exec runuser -u "$2" -- env -i TERM=xterm-256color ' +
      'HOME="$1" PATH=/usr/local/bin:/usr/bin:/bin PHP_INI_SCAN_DIR=":/etc/hostdeck/php/$3" bash -i';
    return {
      serverId: site.serverId,
      command: this.d.runner.rootCommand(site.serverId, script, [dir, `t-${tenant.slug}`, site.slug]),
    };
  }

  // ---- jobs --------------------------------------------------------------------------------------

  /** A job on the site's server (one at a time per server); a failure is kept on the site record. */
  private siteJob(
    origin: CallOrigin,
    id: string,
    kind: string,
    title: string,
    run: (ctx: JobContext) => Promise<void>,
  ) {
    const site = this.record(id);
    return this.d.jobs.start({ kind, title, target: site.serverId, origin }, async (ctx) => {
      try {
        await run(ctx);
      } catch (err) {
        if (this.d.repo.get(id)) {
          const status = this.record(id).status;
          this.patch(id, {
            status: status === 'creating' || status === 'deleting' ? 'failed' : status,
            lastError: this.d.vault.redact((err as Error).message),
          });
        }
        throw err;
      }
    });
  }

  private verbJob(
    id: string,
    call: CallContext,
    verb: 'enable' | 'disable',
    action: string,
    title: string,
    status: 'active' | 'suspended',
  ) {
    const site = this.record(id);
    call.audit({ action, target: id, detail: { domain: site.domain } });
    const job = this.siteJob(call.origin, id, action, `${title} ${site.domain}`, async (ctx) => {
      await this.d.runner.upload(ctx, site.serverId);
      await this.d.runner.run(ctx, site.serverId, 'site', verb, {
        args: ['--site', site.slug],
        stepPrefix: '',
      });
      this.patch(id, { status, lastError: null });
      await this.refreshStep(ctx, id);
    });
    return { jobId: job.id };
  }

  /** Runs the site module's install with the record's settings (create and update). */
  private async install(ctx: JobContext, id: string) {
    const site = this.record(id);
    await this.d.runner.upload(ctx, site.serverId);
    const db = this.d.vault.use(site.dbSecretId!, 'db-credential');
    const args = [
      '--site',
      site.slug,
      '--tenant',
      this.d.repo.tenant(site.tenantId)!.slug,
      '--domain',
      site.domain,
      '--aliases',
      site.aliases.join(','),
      '--type',
      site.type,
      '--port',
      String(site.port),
      '--tls',
      site.tls,
      '--www',
      site.www,
      '--memory-limit',
      site.php.memoryLimit,
      '--upload-max',
      site.php.uploadMax,
      '--php-ini',
      iniToOption(site.php.extraIni),
      '--db-password-stdin',
    ];
    let stdin = `${db.password}\n`;
    const wp = site.wordpress;
    if (site.type === 'wordpress' && wp && site.adminSecretId) {
      args.push('--wp-title', wp.title, '--wp-admin-email', wp.adminEmail, '--wp-admin-password-stdin');
      stdin += `${this.d.vault.use(site.adminSecretId, 'password').password}\n`;
    }
    await this.d.runner.run(ctx, site.serverId, 'site', 'install', { args, stdin, stepPrefix: '' });
    if (this.record(id).status === 'creating' || this.record(id).status === 'failed') {
      this.patch(id, { status: 'active', lastError: null });
    }
    await this.refreshStep(ctx, id);
  }

  private async refreshStep(ctx: JobContext, id: string) {
    await ctx.step('Read the site back', async () => {
      const info = await this.refresh(id);
      const drift = info.live?.drift ?? [];
      return {
        state: 'ok',
        detail: `${info.live?.active ? 'running' : 'not running'} on 127.0.0.1:${info.port}, release ${info.live?.release ?? '-'}${drift.length ? `; drift: ${drift.join(', ')}` : ''}`,
      };
    });
  }

  private async hostPorts(serverId: string): Promise<Set<number>> {
    const r = await this.d.runner.rootExec(serverId, HOST_PORTS_SCRIPT);
    if (r.code !== 0)
      throw new AppError('SSH_ERROR', `Reading the site ports of the host failed: ${r.stderr.trim()}`);
    return new Set(
      r.stdout
        .split('\n')
        .map((l) => Number(l.trim()))
        .filter((n) => Number.isInteger(n) && n > 0),
    );
  }
}

const MAX_ARCHIVE = 1 << 30;

/** A folder of this computer as a tar archive (without .git), for a folder deploy. */
async function packFolder(folder: string): Promise<Buffer> {
  const info = await stat(folder).catch(() => null);
  if (!info?.isDirectory()) {
    throw new AppError('VALIDATION', `${folder} is not a folder on this computer.`, { field: 'folder' });
  }
  return new Promise((resolve, reject) =>
    execFile(
      'tar',
      ['-C', folder, '--exclude=.git', '-cf', '-', '.'],
      { encoding: 'buffer', maxBuffer: MAX_ARCHIVE },
      (err, stdout, stderr) =>
        err
          ? reject(
              new AppError(
                'INTERNAL',
                `Packing ${folder} failed: ${stderr.toString().trim() || err.message}`,
                {
                  hint: 'The folder must be readable and under 1 GiB.',
                },
              ),
            )
          : resolve(stdout),
    ),
  );
}

export const dbName = (slug: string) => `hd_${slug.replace(/-/g, '_')}`;

export function parseLive(s: Record<string, string>, checkedAt: string): SiteLive {
  const list = (v: string | undefined) => (!v || v === 'none' ? [] : v.split(','));
  const port = Number(s['port']);
  return {
    exists: s['exists'] === 'yes',
    active: s['active'] === 'yes',
    suspended: s['suspended'] === '1',
    port: Number.isInteger(port) && port > 0 ? port : null,
    release: s['release'] || null,
    releases: list(s['releases']),
    database: s['database'] && s['database'] !== 'missing' ? s['database'] : null,
    drift: list(s['drift']),
    caddySetAside: s['caddy-set-aside'] || null,
    checkedAt,
  };
}
