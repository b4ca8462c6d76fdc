// The remote-execution layer: the server-scripts bundle, its upload, the step protocol and the
// quoting, behind one runner every capability uses to run a script on a host.
import { AppError } from '../base/app-error';
import type { ExecOptions, ExecResult } from '../infra/ssh/pool';
import { loadBundle } from './bundle';
import type { ScriptBundle } from './bundle';
import { LineSplitter, parseLine } from './protocol';
import { commandLine, shellQuote } from './shell-quote';

const REMOTE_DIR = '/opt/hostdeck/scripts';
const SCRIPT_TIMEOUT_MS = 30 * 60_000;

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

/** What the runner needs of a job: steps, log lines, cancellation (jobs/service.ts's JobContext fits). */
export interface StepSink {
  readonly signal: AbortSignal;
  step(name: string, fn: () => Promise<{ state: 'ok' | 'changed'; detail?: string }>): Promise<void>;
  beginStep(name: string): {
    finish(state: 'ok' | 'changed' | 'failed' | 'skipped', detail?: string | null): void;
  };
  log(text: string, stream?: 'out' | 'err' | 'info'): void;
}

/** What the runner needs of the SSH layer and the inventory. */
export interface RunnerDeps {
  exec(serverId: string, command: string, opts?: ExecOptions): Promise<ExecResult>;
  /** The login user on a server: anyone but root runs the scripts through `sudo -n`. */
  loginUser(serverId: string): string;
  scriptsDir: string;
}

/** `<script> status` lines as key → value, the exit code, and the last stderr line when it failed. */
export interface ScriptStatus {
  code: number | null;
  status: Record<string, string>;
  error: string | null;
}

export interface ScriptRun {
  args?: string[];
  /** Secrets travel here, never in args. */
  stdin?: string | Buffer;
  /** `--check`: report what would change, change nothing. */
  check?: boolean;
  /** Put before each step's name in the job (default "<module>: "). */
  stepPrefix?: string;
}

/** Runs the server-scripts on a host: uploads the bundle once per version, then runs modules' verbs. */
export class ScriptRunner {
  private bundle: ScriptBundle | null = null;
  private readonly presentChecks = new Map<string, Promise<void>>();

  constructor(private readonly d: RunnerDeps) {}

  /** The modules the shipped bundle has (`server-scripts/modules/*.sh`). */
  modules(): string[] {
    return this.scripts().modules;
  }

  /** Job step: the script bundle is on the host (uploaded once per version, checked there). */
  async upload(ctx: StepSink, serverId: string): Promise<void> {
    const bundle = this.scripts();
    await ctx.step(`Scripts ${bundle.version} on the host`, async () => {
      if (await this.present(serverId, bundle)) return { state: 'ok', detail: 'already uploaded and intact' };
      await this.uploadNow(serverId, bundle, ctx.signal);
      return { state: 'changed', detail: `${bundle.files} files uploaded, checksums verified on the host` };
    });
  }

  /**
   * Runs `hostdeck.sh <module> <verb> [args]` on the host inside a job: each protocol step line
   * becomes a job step as it arrives; a failed run throws with the failing step and a hint.
   */
  /** Runs a verb as steps of the job; resolves to the status lines it printed (key -> value). */
  async run(
    ctx: StepSink,
    serverId: string,
    module: string,
    verb: string,
    opts: ScriptRun = {},
  ): Promise<Record<string, string>> {
    const { args = [], stdin, check = false, stepPrefix = `${module}: ` } = opts;
    ctx.log(`== ${module} ${verb}${check ? ' (dry run)' : ''}`, 'info');
    const splitter = new LineSplitter();
    let failure: string | null = null;
    const status: Record<string, string> = {};
    const onLine = (line: string) => {
      const p = parseLine(line);
      if (p.kind === 'status') status[p.key] = p.value;
      else if (p.kind === 'step') {
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
    const result = await this.d.exec(serverId, command, {
      ...(stdin ? { stdin } : {}),
      signal: ctx.signal,
      timeoutMs: SCRIPT_TIMEOUT_MS,
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
    return status;
  }

  /** `hostdeck.sh <module> status [args]`, outside a job (uploads the scripts first if needed). */
  status(serverId: string, module: string, args: string[] = [], stdin?: string): Promise<ScriptStatus> {
    return this.read(serverId, module, 'status', args, stdin);
  }

  /** A verb that only reads (status, or one the module takes no host lock for): its status lines. */
  async read(
    serverId: string,
    module: string,
    verb: string,
    args: string[] = [],
    stdin?: string,
  ): Promise<ScriptStatus> {
    await this.ensurePresent(serverId);
    const result = await this.d.exec(serverId, this.command(serverId, [module, verb, ...args]), {
      timeoutMs: 60_000,
      ...(stdin ? { stdin } : {}),
    });
    const status: Record<string, string> = {};
    let failed: string | null = null;
    for (const line of result.stdout.split('\n')) {
      const p = parseLine(line);
      if (p.kind === 'status') status[p.key] = p.value;
      else if (p.kind === 'step' && p.state === 'failed') failed ??= `${p.name}: ${p.detail}`;
    }
    // A refusal says why in its failed step; anything else in its last stderr line.
    const error =
      result.code === 0 ? null : (failed ?? result.stderr.trim().split('\n').pop() ?? `exit ${result.code}`);
    return { code: result.code, status, error };
  }

  /** A root shell snippet of ours as one command line (fixed text; values only as positional arguments). */
  rootCommand(serverId: string, script: string, args: string[] = []): string {
    return `${this.sudo(serverId)}sh -c ${shellQuote(script)} hostdeck ${commandLine(args)}`;
  }

  rootExec(
    serverId: string,
    script: string,
    args: string[] = [],
    opts: ExecOptions = {},
  ): Promise<ExecResult> {
    return this.d.exec(serverId, this.rootCommand(serverId, script, args), { timeoutMs: 60_000, ...opts });
  }

  /** A command as the login user: fixed words and values, each quoted. */
  exec(serverId: string, words: string[], opts?: ExecOptions): Promise<ExecResult> {
    return this.d.exec(serverId, commandLine(words), opts);
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

  private async present(serverId: string, bundle: ScriptBundle) {
    const r = await this.d.exec(serverId, this.rootCommand(serverId, PRESENT_SCRIPT, [bundle.version]));
    return r.code === 0;
  }

  private async uploadNow(serverId: string, bundle: ScriptBundle, signal?: AbortSignal) {
    const r = await this.d.exec(serverId, this.rootCommand(serverId, UPLOAD_SCRIPT, [bundle.version]), {
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

  private command(serverId: string, args: string[]) {
    const bundle = this.scripts();
    return `${this.sudo(serverId)}bash ${shellQuote(`${REMOTE_DIR}/${bundle.version}/hostdeck.sh`)} ${commandLine(args)}`;
  }

  /** Non-root users run the scripts through sudo without a password prompt (-n fails fast instead). */
  private sudo(serverId: string) {
    return this.d.loginUser(serverId) === 'root' ? '' : 'sudo -n ';
  }
}
