import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModuleName, ModuleStatus } from '@contract';
import { AppError } from '../api/app-error';
import type { AuditRepository } from '../audit/repository';
import type { SshPool } from '../infra/ssh/pool';
import type { JobContext, JobService } from '../jobs/service';
import type { ServerService } from '../servers/service';
import type { VaultService } from '../vault/service';
import { randomPassword } from '../vault/crypto';
import { loadBundle } from './bundle';
import type { ScriptBundle } from './bundle';
import { moduleCatalog } from './catalog';
import { LineSplitter, parseLine } from './protocol';
import { commandLine, shellQuote } from './shell-quote';

const REMOTE_DIR = '/opt/hostdeck/scripts';
const MODULE_TIMEOUT_MS = 30 * 60_000;

/** Fixed upload script: the version (our own hex) arrives as $1, the archive on stdin. */
const UPLOAD_SCRIPT = `set -eu
d=${REMOTE_DIR}; v="$1"
case "$v" in ''|*[!0-9a-f]*) echo "invalid bundle version" >&2; exit 2 ;; esac
umask 022
mkdir -p "$d"
rm -rf "$d/$v.partial"
mkdir "$d/$v.partial"
tar -C "$d/$v.partial" -xf -
(cd "$d/$v.partial" && sha256sum -c --quiet SHA256SUMS)
touch "$d/$v.partial/.complete"
rm -rf "$d/$v"
mv "$d/$v.partial" "$d/$v"`;
const PRESENT_SCRIPT = `v="$1"; cd ${REMOTE_DIR}/"$v" 2>/dev/null && test -f .complete && sha256sum -c --quiet SHA256SUMS >/dev/null 2>&1`;

const exitHints: Record<number, string> = {
  2: 'The host refused an input as invalid; nothing was changed.',
  3: 'Another Hostdeck run holds the host lock; wait for it to finish and run again.',
  4: 'This host runs an operating system Hostdeck does not support (Debian 12/13, Ubuntu 22.04/24.04 with systemd).',
};

export interface ProvisionDeps {
  pool: SshPool;
  jobs: JobService;
  servers: ServerService;
  vault: VaultService;
  audit: AuditRepository;
  scriptsDir: string;
  /** Where the laptop keeps release artifacts to upload (offline installs). */
  artifactsDir?: string;
}

/** Runs the server-scripts on a host: upload once per version, then each module as a job. */
export class ProvisionService {
  private bundle: ScriptBundle | null = null;
  private readonly presentChecks = new Map<string, Promise<void>>();

  constructor(private readonly d: ProvisionDeps) {}

  modules() {
    const available = new Set(this.scripts().modules);
    return moduleCatalog.filter((m) => available.has(m.name));
  }

  /** Provision (or dry-run) the chosen modules, in catalogue order, as one job. */
  run(serverId: string, modules: ModuleName[], check: boolean, actor: string) {
    const server = this.d.servers.get(serverId);
    const ordered = moduleCatalog.map((m) => m.name).filter((m) => modules.includes(m));
    this.d.audit.record({
      actor,
      action: check ? 'provision.check' : 'provision.run',
      target: serverId,
      detail: { modules: ordered },
    });
    return this.d.jobs.start(
      {
        kind: check ? 'provision.check' : 'provision.run',
        title: `${check ? 'Check' : 'Provision'} ${server.name}`,
        target: serverId,
      },
      async (ctx) => {
        await this.upload(ctx, serverId);
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
    actor: string,
  ) {
    const server = this.d.servers.get(serverId);
    this.d.audit.record({ actor, action: `module.${verb}`, target: serverId, detail: { module } });
    return this.d.jobs.start(
      { kind: `module.${verb}`, title: `${verb} ${module} on ${server.name}`, target: serverId },
      async (ctx) => {
        await this.upload(ctx, serverId);
        await this.runModule(ctx, serverId, module, verb, false);
      },
    );
  }

  /** Reads every module's status back from the host (the host is the truth for what runs there). */
  async status(serverId: string): Promise<ModuleStatus[]> {
    return Promise.all(
      this.modules().map(async (m) => {
        const { status: s, error } = await this.scriptStatus(serverId, m.name);
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

  /** `hostdeck.sh <module> status [args]`: its status lines as key -> value (uploads the scripts if needed). */
  async scriptStatus(
    serverId: string,
    module: string,
    args: string[] = [],
  ): Promise<{ code: number | null; status: Record<string, string>; error: string | null }> {
    await this.ensurePresent(serverId);
    const result = await this.d.pool.exec(serverId, this.command(serverId, [module, 'status', ...args]), {
      timeoutMs: 60_000,
    });
    const status: Record<string, string> = {};
    for (const line of result.stdout.split('\n')) {
      const p = parseLine(line);
      if (p.kind === 'status') status[p.key] = p.value;
    }
    const error =
      result.code === 0 ? null : (result.stderr.trim().split('\n').pop() ?? `exit ${result.code}`);
    return { code: result.code, status, error };
  }

  /** A root shell snippet of ours as one command line (fixed text; values only as positional arguments). */
  rootCommand(serverId: string, script: string, args: string[] = []) {
    return `${this.sudo(serverId)}sh -c ${shellQuote(script)} hostdeck ${commandLine(args)}`;
  }

  async rootExec(serverId: string, script: string, args: string[] = []) {
    return this.d.pool.exec(serverId, this.rootCommand(serverId, script, args), { timeoutMs: 60_000 });
  }

  /** The bundle is on the host; concurrent callers for one server share one check (and upload). */
  private ensurePresent(serverId: string): Promise<void> {
    let pending = this.presentChecks.get(serverId);
    if (!pending) {
      const bundle = this.scripts();
      pending = (async () => {
        if (!(await this.present(serverId, bundle))) await this.uploadNow(serverId, bundle);
      })().finally(() => this.presentChecks.delete(serverId));
      this.presentChecks.set(serverId, pending);
    }
    return pending;
  }

  private scripts(): ScriptBundle {
    this.bundle ??= loadBundle(this.d.scriptsDir);
    return this.bundle;
  }

  /** Job step: the script bundle is on the host (uploaded once per version, checked there). */
  async upload(ctx: JobContext, serverId: string) {
    const bundle = this.scripts();
    await ctx.step(`Scripts ${bundle.version} on the host`, async () => {
      if (await this.present(serverId, bundle)) return { state: 'ok', detail: 'already uploaded and intact' };
      await this.uploadNow(serverId, bundle, ctx.signal);
      return { state: 'changed', detail: `${bundle.files} files uploaded, checksums verified on the host` };
    });
  }

  private async present(serverId: string, bundle: ScriptBundle) {
    const r = await this.d.pool.exec(serverId, this.rootCommand(serverId, PRESENT_SCRIPT, [bundle.version]));
    return r.code === 0;
  }

  private async uploadNow(serverId: string, bundle: ScriptBundle, signal?: AbortSignal) {
    const r = await this.d.pool.exec(serverId, this.rootCommand(serverId, UPLOAD_SCRIPT, [bundle.version]), {
      stdin: bundle.archive,
      timeoutMs: 120_000,
      ...(signal ? { signal } : {}),
    });
    if (r.code !== 0) {
      throw new AppError(
        'SSH_ERROR',
        `Uploading the scripts failed: ${r.stderr.trim() || `exit ${r.code}`}.`,
        {
          hint: 'The host needs tar and sha256sum (coreutils) and room under /opt.',
        },
      );
    }
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
    await this.runScript(ctx, serverId, module, verb, { args, check, ...(stdin ? { stdin } : {}) });
  }

  /**
   * Runs `hostdeck.sh <module> <verb> [args]` on the host inside a job: each protocol step line
   * becomes a job step as it arrives; a failed run throws with the failing step and a hint.
   * `args` are passed as separate words (quoted), secrets only in `stdin`.
   */
  async runScript(
    ctx: JobContext,
    serverId: string,
    module: string,
    verb: string,
    opts: { args?: string[]; stdin?: string | Buffer; check?: boolean; stepPrefix?: string },
  ) {
    const { args = [], stdin, check = false, stepPrefix = `${module}: ` } = opts;
    ctx.log(`== ${module} ${verb}${check ? ' (dry run)' : ''}`, 'info');
    const splitter = new LineSplitter();
    let failure: string | null = null;
    const onLine = (line: string) => {
      const p = parseLine(line);
      if (p.kind === 'step') {
        const handle = ctx.beginStep(`${stepPrefix}${p.name}`);
        const state = p.state === 'would-change' ? 'changed' : p.state;
        handle.finish(
          state,
          p.state === 'would-change' ? `would change${p.detail ? `: ${p.detail}` : ''}` : p.detail || null,
        );
        if (p.state === 'failed') failure = `${p.name}: ${p.detail}`;
      } else if (p.kind === 'text' && line) ctx.log(line);
    };
    const command = this.command(serverId, [module, verb, ...(check ? ['--check'] : []), ...args]);
    const result = await this.d.pool.exec(serverId, command, {
      ...(stdin ? { stdin } : {}),
      signal: ctx.signal,
      timeoutMs: MODULE_TIMEOUT_MS,
      onStdout: (chunk) => splitter.push(chunk).forEach(onLine),
      onStderr: (chunk) => ctx.log(chunk.toString('utf8').replace(/\n$/, ''), 'err'),
    });
    splitter.end().forEach(onLine);
    if (result.code !== 0) {
      throw new AppError(
        'SSH_ERROR',
        `${module} ${verb} failed${failure ? ` at ${failure}` : ` (exit ${result.code ?? result.signal})`}.`,
        {
          hint:
            exitHints[result.code ?? -1] ??
            'See the job log; running it again is safe (the scripts converge).',
        },
      );
    }
  }

  /** Per-module inputs: validated here, validated again on the host; secrets only on stdin. */
  private async moduleOptions(
    serverId: string,
    module: ModuleName,
    verb: string,
  ): Promise<{ args: string[]; stdin?: string | Buffer }> {
    if (verb !== 'install') return { args: [] };
    if (module === 'mariadb') {
      const password = this.mariadbPassword(serverId);
      return { args: ['--admin-password-stdin'], stdin: `${password}\n` };
    }
    if (module === 'fail2ban') {
      // Never ban the laptop Hostdeck manages from: it is where the SSH connection comes from.
      const r = await this.d.pool.exec(serverId, 'printf %s "${SSH_CLIENT%% *}"');
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
    const arch = (await this.d.pool.exec(serverId, 'uname -m')).stdout.trim();
    if (!/^(x86_64|aarch64)$/.test(arch)) return null;
    try {
      const bytes = await readFile(join(this.d.artifactsDir, `frankenphp-linux-${arch}`));
      return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
    } catch {
      return null;
    }
  }

  /** The MariaDB admin password for this server, made once and kept in the vault. */
  private mariadbPassword(serverId: string): string {
    const label = `MariaDB hostdeck_admin on ${this.d.servers.get(serverId).name} (${serverId})`;
    const existing = this.d.vault.list().find((s) => s.kind === 'db-credential' && s.label === label);
    if (existing) return this.d.vault.use(existing.id, 'db-credential').password;
    const password = randomPassword();
    this.d.vault.add(label, { kind: 'db-credential', username: 'hostdeck_admin', password });
    return password;
  }

  private command(serverId: string, args: string[]) {
    const bundle = this.scripts();
    return `${this.sudo(serverId)}bash ${shellQuote(`${REMOTE_DIR}/${bundle.version}/hostdeck.sh`)} ${commandLine(args)}`;
  }

  /** Non-root users run the scripts through sudo without a password prompt (-n fails fast instead). */
  private sudo(serverId: string) {
    return this.d.servers.get(serverId).username === 'root' ? '' : 'sudo -n ';
  }
}
