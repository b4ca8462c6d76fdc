// Samples every online server on a fixed interval over the pooled connection (one command per
// server, at most one in flight each), stores the points and rolls them up. A server that fails is
// asked again less often (up to every 5 minutes) until it answers; nothing samples while locked.
import type { MonitorLatest, MonitorStatus, ServerInfo } from '@contract';
import { AppError } from '../base/app-error';
import type { EventBus } from '../base/events';
import type { ExecResult } from '../infra/ssh/pool';
import { derive, latestOf, parseRootRecord, parseSample, SAMPLE_SCRIPT } from './sample';
import type { RootRecord } from './sample';
import type { Reading } from './sample';
import type { MonitorStore } from './store';

export interface SamplerDeps {
  store: MonitorStore;
  events: EventBus;
  servers: () => ServerInfo[];
  exec: (
    serverId: string,
    command: string,
    opts: { timeoutMs: number; stdin: string },
  ) => Promise<ExecResult>;
  unlocked: () => boolean;
  redact: (text: string) => string;
  /**
   * Reads the host's root-only records (backups, scheduled jobs) for a login that is not root
   * (`sudo -n`), or null for a root login (the sample itself has them). Asked at most every
   * ROOT_RECORD_EVERY_MS.
   */
  readRootRecord?: (serverId: string) => Promise<ExecResult> | null;
  /** Called with every stored sample (the alert rules read them). */
  onSample?: (serverId: string, latest: MonitorLatest) => void;
  /** Called when a sample fails (reachability is judged from these). */
  onFailure?: (serverId: string, message: string) => void;
  intervalMs?: number;
  now?: () => number;
}

interface State {
  before: Reading | null;
  inFlight: Promise<MonitorLatest> | null;
  lastSampleAt: number | null;
  lastError: string | null;
  failures: number;
  nextAt: number;
  /** The root-only records read through sudo, and when (a login that is not root). */
  record: { at: number; value: RootRecord | null } | null;
}

const MAX_BACKOFF_MS = 5 * 60_000;
const SAMPLE_TIMEOUT_MS = 10_000;
/** How often the root-only records are read through sudo: each read is a line in the host's auth log. */
export const ROOT_RECORD_EVERY_MS = 5 * 60_000;

export class Sampler {
  private readonly states = new Map<string, State>();
  private timer: NodeJS.Timeout | null = null;
  readonly intervalMs: number;
  private readonly now: () => number;

  constructor(private readonly d: SamplerDeps) {
    this.intervalMs = d.intervalMs ?? 15_000;
    this.now = d.now ?? Date.now;
  }

  /** Starts the interval (the app does; tests and the CLI sample on demand). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One round: every server that is due and not already being sampled; then the store's upkeep. */
  async tick(): Promise<void> {
    if (!this.d.unlocked()) return;
    const now = this.now();
    const due = this.d.servers().filter((s) => s.hostKey && this.state(s.id).nextAt <= now);
    await Promise.all(due.map((s) => this.sample(s.id).catch(() => undefined)));
    this.d.store.maintain(this.now());
  }

  /**
   * Samples one server now (a sample already under way is shared); `fresh` (asked for by the
   * operator) reads the root-only records again too.
   */
  sample(serverId: string, fresh = false): Promise<MonitorLatest> {
    const state = this.state(serverId);
    if (state.inFlight && !fresh) return state.inFlight;
    // Asked for fresh while a round's sample is on the way: one more after it (still one at a time).
    const prior = state.inFlight?.catch(() => undefined);
    const next: Promise<MonitorLatest> = (prior ?? Promise.resolve())
      .then(() => this.sampleOnce(serverId, state, fresh))
      .finally(() => {
        if (state.inFlight === next) state.inFlight = null;
      });
    state.inFlight = next;
    return next;
  }

  status(): MonitorStatus[] {
    const stored = this.d.store.sampledAt();
    return this.d.servers().map((s) => {
      const st = this.states.get(s.id);
      const at = st?.lastSampleAt ?? stored.get(s.id) ?? null;
      return {
        serverId: s.id,
        lastSampleAt: at === null ? null : new Date(at).toISOString(),
        lastError: st?.lastError ?? null,
        intervalSeconds: this.intervalMs / 1000,
      };
    });
  }

  forget(serverId: string): void {
    this.states.delete(serverId);
  }

  /** Locking drops the readings rates are worked out from (the next sample starts afresh). */
  reset(): void {
    for (const st of this.states.values()) st.before = null;
  }

  private async sampleOnce(serverId: string, state: State, fresh: boolean): Promise<MonitorLatest> {
    // The next one is due an interval after this one was asked for, however long a round takes.
    const asked = this.now();
    let stored: MonitorLatest;
    try {
      // Fed to `sh -s` on stdin: the same POSIX shell whatever the login shell (fish, csh, …).
      const result = await this.d.exec(serverId, 'sh -s', {
        stdin: SAMPLE_SCRIPT,
        timeoutMs: SAMPLE_TIMEOUT_MS,
      });
      if (result.code !== 0) {
        throw new AppError(
          'SSH_ERROR',
          `The sample command exited with ${result.code}: ${result.stderr.trim().slice(0, 300)}`,
        );
      }
      const at = this.now();
      const reading = parseSample(result.stdout, at);
      if (!reading.recordRead) {
        const record = await this.rootRecord(serverId, state, fresh);
        if (record) {
          reading.backup = record.backup;
          reading.jobs = record.jobs;
        }
      }
      // A server removed while its sample was on the way keeps nothing.
      if (!this.d.servers().some((s) => s.id === serverId))
        throw new AppError('NOT_FOUND', 'The server was removed.');
      const { server, sites, mounts } = derive(reading, state.before);
      stored = latestOf(serverId, reading, server, sites);
      this.d.store.add(serverId, server, sites, mounts, stored);
      state.before = reading;
      state.lastSampleAt = at;
      state.lastError = null;
      state.failures = 0;
      state.nextAt = asked + this.intervalMs - 1000;
    } catch (err) {
      const message = this.d.redact(err instanceof Error ? err.message : String(err));
      state.lastError = message;
      state.failures += 1;
      state.nextAt = this.now() + Math.min(MAX_BACKOFF_MS, this.intervalMs * 2 ** state.failures) - 1000;
      this.d.events.emit('monitor.sampled', {
        serverId,
        at: new Date(this.now()).toISOString(),
        error: message,
      });
      this.judge(() => this.d.onFailure?.(serverId, message));
      throw err instanceof AppError ? err : new AppError('SSH_ERROR', message);
    }
    this.d.events.emit('monitor.sampled', { serverId, at: stored.at, error: null });
    this.judge(() => this.d.onSample?.(serverId, stored));
    return stored;
  }

  /** The root-only records through sudo (kept between reads; a failed read keeps the last one). */
  private async rootRecord(serverId: string, state: State, fresh: boolean): Promise<RootRecord | null> {
    const now = this.now();
    if (!fresh && state.record && now - state.record.at < ROOT_RECORD_EVERY_MS) return state.record.value;
    const asked = this.d.readRootRecord?.(serverId);
    if (!asked) return null;
    let value = state.record?.value ?? null;
    try {
      const r = await asked;
      // sudo refused (a password is required, or no sudo at all): nothing readable, asked again later
      value = r.code === 0 ? parseRootRecord(r.stdout) : null;
    } catch {
      // the connection: the last records read stand until the next read
    }
    state.record = { at: now, value };
    return value;
  }

  /** The alert rules run after a sample is stored: a fault there is logged, never a failed sample. */
  private judge(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      console.error('[monitor] the alert rules failed:', this.d.redact(String(err)));
    }
  }

  private state(serverId: string): State {
    let st = this.states.get(serverId);
    if (!st) {
      st = {
        before: null,
        inFlight: null,
        lastSampleAt: null,
        lastError: null,
        failures: 0,
        nextAt: 0,
        record: null,
      };
      this.states.set(serverId, st);
    }
    return st;
  }
}
