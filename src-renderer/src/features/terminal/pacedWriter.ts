/**
 * Feeds one xterm from the SSH stream. The first chunk after a quiet spell is written at once, so a
 * typed key echoes without delay; while output streams, writes go out at most once per `intervalMs`,
 * each carrying everything that arrived since. Under a flood that means one acknowledgement (a round
 * trip to the main process) per interval instead of one per message.
 *
 * Each write is acknowledged once xterm has parsed it: the main process counts those units and
 * pauses the SSH channel while too many are outstanding, so what waits here is bounded by its
 * high-water mark and nothing is ever dropped.
 */
const noop = () => undefined;

export class PacedWriter {
  private pending: string[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private last = Number.NEGATIVE_INFINITY;
  private disposed = false;

  constructor(
    private readonly write: (data: string, parsed: () => void) => void,
    private readonly ack: (units: number) => void,
    private readonly intervalMs = 16,
    private readonly sliceUnits = 65_536,
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(text: string): void {
    if (this.disposed || !text) return;
    this.pending.push(text);
    if (this.timer) return;
    const wait = this.last + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Stops writing; anything still waiting is discarded with the terminal it was for. */
  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
  }

  private flush(): void {
    this.timer = null;
    if (this.disposed || this.pending.length === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.last = this.now();
    // Handed over in slices: xterm checks the clock between writes and yields to input and other
    // terminals every few milliseconds, which it cannot do inside one large write.
    for (let at = 0; at < data.length; at += this.sliceUnits) {
      const end = Math.min(at + this.sliceUnits, data.length);
      this.write(data.slice(at, end), end === data.length ? () => this.ack(data.length) : noop);
    }
  }
}
