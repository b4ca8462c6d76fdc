/** Tuning, measured with bench:terminal; tests pass their own clock and scheduler. */
export interface PacedWriterOptions {
  /** While output streams, start a write at most this often. */
  intervalMs: number;
  /** Hand xterm this much at a time, yielding to the event loop in between. */
  sliceUnits: number;
  /** Acknowledge each time this much more has been parsed (and at the end of every write). */
  ackUnits: number;
  now: () => number;
  /** Runs the next step in a task of its own. */
  yieldThen?: (next: () => void) => void;
}

const defaults: PacedWriterOptions = {
  intervalMs: 16,
  sliceUnits: 65_536,
  ackUnits: 131_072,
  now: () => performance.now(),
};

/**
 * Feeds one xterm from the SSH stream. The first chunk after a quiet spell is written at once, so a
 * typed key echoes without delay; while output streams, everything that arrived since the last
 * write goes out together, at most once per `intervalMs` and never before the previous write has
 * been parsed, so the write size follows how fast xterm actually parses.
 *
 * A write is handed to xterm one slice at a time, the next only after the last is parsed, with a
 * yield to the event loop in between (input, painting and other terminals go first). That also
 * keeps xterm's own write queue shallow: a deep one parses 12 ms at a time and continues through
 * nested setTimeouts, which Chromium clamps to 4 ms each.
 *
 * What xterm has parsed is acknowledged every `ackUnits` and at the end of each write: the main
 * process counts those units and pauses the SSH channel while too many are outstanding, so what
 * waits here is bounded by its high-water mark and nothing is ever dropped. Acknowledging during a
 * long write (not only after it) lets the channel resume while xterm is still busy, so the next
 * output is already on its way when this write ends.
 */
export class PacedWriter {
  private pending: string[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private writing = false;
  private last = Number.NEGATIVE_INFINITY;
  private disposed = false;
  private readonly opts: PacedWriterOptions;
  private readonly yieldThen: (next: () => void) => void;

  constructor(
    private readonly write: (data: string, parsed: () => void) => void,
    private readonly ack: (units: number) => void,
    options: Partial<PacedWriterOptions> = {},
  ) {
    this.opts = { ...defaults, ...options };
    this.yieldThen = this.opts.yieldThen ?? yieldToEventLoop;
  }

  push(text: string): void {
    if (this.disposed || !text) return;
    this.pending.push(text);
    this.schedule();
  }

  /** Stops writing; anything still waiting is discarded with the terminal it was for. */
  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
  }

  private schedule(): void {
    if (this.writing || this.timer || this.pending.length === 0) return;
    const wait = this.last + this.opts.intervalMs - this.opts.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = null;
    if (this.disposed || this.pending.length === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.last = this.opts.now();
    this.writing = true;
    this.writeSlice(data, 0);
  }

  private writeSlice(data: string, at: number, acked = 0): void {
    if (this.disposed) return;
    const end = Math.min(at + this.opts.sliceUnits, data.length);
    this.write(data.slice(at, end), () => {
      if (this.disposed) return;
      if (end < data.length) {
        if (end - acked >= this.opts.ackUnits) {
          this.ack(end - acked);
          acked = end;
        }
        this.yieldThen(() => this.writeSlice(data, end, acked));
        return;
      }
      this.ack(data.length - acked);
      this.writing = false;
      if (this.pending.length > 0) this.yieldThen(() => this.schedule());
    });
  }
}

/**
 * Runs `next` in a task of its own, without the 4 ms clamp Chromium puts on nested setTimeouts:
 * a message to ourselves, as scheduler libraries do. One channel for every terminal in the window
 * (steps run in the order they were asked for; a disposed writer's steps do nothing).
 */
let channel: { port: MessagePort; queue: (() => void)[] } | null = null;
function yieldToEventLoop(next: () => void): void {
  if (!channel) {
    const { port1, port2 } = new MessageChannel();
    const queue: (() => void)[] = [];
    port1.onmessage = () => queue.shift()?.();
    channel = { port: port2, queue };
  }
  channel.queue.push(next);
  channel.port.postMessage(null);
}
