import { randomUUID } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { AppError } from '../base/app-error';
import type { EventBus } from '../base/events';
import type { Shell, SshPool } from '../infra/ssh/pool';

export interface FlowControl {
  /** Pause the SSH channel when this many units are sent but not yet acknowledged by the renderer. */
  highWater: number;
  /** Resume once the backlog falls to this. */
  lowWater: number;
  /** Coalesce output for this long before sending (fewer, larger messages under a flood). */
  flushMs: number;
  /** Never send a single message larger than this. */
  maxChunk: number;
}

/**
 * Sized by bench:terminal (2-core test machine, DOM renderer). Large messages and few
 * acknowledgements keep the per-message cost down (the renderer acknowledges every 128 KiB it has
 * parsed, see PacedWriter). The channel resumes as soon as one acknowledgement's worth is drawn:
 * a wide gap between the marks let the pipe drain on every pause (resuming at 256 KiB cost a third
 * of the throughput). The window stays at 1 MiB because every terminal shares one ordered channel
 * to the renderer and a keystroke's echo in another terminal can queue behind what is in flight;
 * 2 MiB bought no throughput and doubled that echo's p95. Memory stays bounded: at most
 * highWater + maxChunk units are in flight per terminal.
 */
export const defaultFlowControl: Readonly<FlowControl> = {
  highWater: 1_048_576,
  lowWater: 917_504,
  flushMs: 4,
  maxChunk: 262_144,
};

interface Session {
  id: string;
  serverId: string;
  stream: Shell;
  decoder: StringDecoder;
  /** Output not yet sent, in arrival order, and its length. */
  pending: string[];
  pendingUnits: number;
  timer: NodeJS.Timeout | null;
  unacked: number;
  paused: boolean;
  closed: boolean;
}

/**
 * SSH shells with a PTY over the pooled connection, streamed to the renderer with flow control at
 * every hop: output is coalesced, counted, and the SSH channel is paused while the renderer has more
 * than `highWater` unacknowledged; ssh2 then stops replenishing the SSH window, so the server stops
 * sending. Nothing is dropped; the UI never has more than highWater + maxChunk queued.
 */
export class TerminalService {
  private readonly sessions = new Map<string, Session>();
  private readonly flow: FlowControl;

  constructor(
    private readonly pool: Pick<SshPool, 'shell'>,
    private readonly events: EventBus,
    flow: Partial<FlowControl> = {},
  ) {
    this.flow = { ...defaultFlowControl, ...flow };
  }

  /**
   * A PTY on the server: the login shell, or (with `command`) that command, e.g. a shell as a site's
   * tenant user in its directory. `command` is built by the caller from fixed text and quoted values.
   */
  async open(serverId: string, cols: number, rows: number, command?: string): Promise<{ sessionId: string }> {
    let session: Session | null = null;
    const early: Buffer[] = [];
    let earlyExit: number | null | undefined;
    const stream = await this.pool.shell(serverId, {
      cols,
      rows,
      ...(command ? { command } : {}),
      onData: (chunk) => {
        if (session) this.output(session, session.decoder.write(chunk));
        else early.push(chunk);
      },
      onClose: (exitCode) => {
        if (!session) earlyExit = exitCode;
        else this.ended(session, exitCode);
      },
    });
    session = {
      id: randomUUID(),
      serverId,
      stream,
      decoder: new StringDecoder('utf8'),
      pending: [],
      pendingUnits: 0,
      timer: null,
      unacked: 0,
      paused: false,
      closed: false,
    };
    this.sessions.set(session.id, session);
    for (const chunk of early) this.output(session, session.decoder.write(chunk));
    if (earlyExit !== undefined) this.ended(session, earlyExit);
    return { sessionId: session.id };
  }

  private ended(session: Session, exitCode: number | null): void {
    this.end(
      session,
      exitCode === null ? 'dropped' : 'exit',
      exitCode === null ? 'The SSH connection dropped.' : `The shell exited (${exitCode}).`,
    );
  }

  write(sessionId: string, data: string): void {
    const s = this.session(sessionId);
    s.stream.write(data);
  }

  resize(sessionId: string, cols: number, rows: number): void {
    this.session(sessionId).stream.resize(cols, rows);
  }

  ack(sessionId: string, units: number): void {
    const s = this.sessions.get(sessionId);
    if (!s) return; // late acks after close are harmless
    s.unacked = Math.max(0, s.unacked - units);
    if (s.paused && s.unacked <= this.flow.lowWater) {
      this.flush(s); // what was held back goes first
      if (s.unacked < this.flow.highWater) {
        s.paused = false;
        s.stream.resume();
      }
    }
  }

  close(sessionId: string, message = 'Closed.'): void {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    this.end(s, 'closed', message);
    s.stream.close();
  }

  closeAll(message?: string): void {
    for (const id of [...this.sessions.keys()]) this.close(id, message);
  }

  /** For tests and benchmarks. */
  backlog(sessionId: string): { unacked: number; paused: boolean } {
    const s = this.session(sessionId);
    return { unacked: s.unacked, paused: s.paused };
  }

  private output(s: Session, text: string): void {
    if (!text) return;
    s.pending.push(text);
    s.pendingUnits += text.length;
    if (s.pendingUnits >= this.flow.maxChunk) this.flush(s);
    else if (!s.timer) s.timer = setTimeout(() => this.flush(s), this.flow.flushMs);
  }

  /**
   * Sends what is pending in messages of at most maxChunk, but only while fewer than highWater units
   * are unacknowledged (unless `all`, at the end of a session): the rest waits here for acks, so no
   * more than highWater + maxChunk units are ever in flight to the renderer.
   */
  private flush(s: Session, all = false): void {
    if (s.timer) {
      clearTimeout(s.timer);
      s.timer = null;
    }
    if (s.pendingUnits > 0) {
      const text = s.pending.length === 1 ? s.pending[0]! : s.pending.join('');
      let at = 0;
      while (at < text.length && (all || s.unacked < this.flow.highWater)) {
        const data = text.slice(at, at + this.flow.maxChunk);
        at += data.length;
        s.unacked += data.length;
        this.events.emit('terminal.data', { sessionId: s.id, data });
      }
      s.pending = at < text.length ? [text.slice(at)] : [];
      s.pendingUnits = text.length - at;
    }
    if (!s.paused && s.unacked >= this.flow.highWater) {
      s.paused = true;
      s.stream.pause();
    }
  }

  private end(s: Session, reason: 'exit' | 'dropped' | 'closed', message: string): void {
    if (s.closed) return;
    s.closed = true;
    const tail = s.decoder.end();
    if (tail) {
      s.pending.push(tail);
      s.pendingUnits += tail.length;
    }
    this.flush(s, true);
    this.sessions.delete(s.id);
    this.events.emit('terminal.closed', { sessionId: s.id, reason, message });
  }

  private session(id: string): Session {
    const s = this.sessions.get(id);
    if (!s) {
      throw new AppError('NOT_FOUND', 'That terminal session has ended.', { hint: 'Open a new terminal.' });
    }
    return s;
  }
}
