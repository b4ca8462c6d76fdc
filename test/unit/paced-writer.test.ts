import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PacedWriter } from '../../src-renderer/src/features/terminal/pacedWriter';

describe('PacedWriter (terminal output → xterm)', () => {
  let clock = 0;
  let writes: { data: string; parsed: () => void }[];
  let acks: number[];
  let yields: (() => void)[];
  let writer: PacedWriter;

  beforeEach(() => {
    vi.useFakeTimers();
    clock = 1_000;
    writes = [];
    acks = [];
    yields = [];
    writer = new PacedWriter(
      (data, parsed) => writes.push({ data, parsed }),
      (units) => acks.push(units),
      {
        intervalMs: 16,
        sliceUnits: 4,
        ackUnits: 8,
        now: () => clock,
        yieldThen: (next) => yields.push(next),
      },
    );
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const advance = (ms: number) => {
    clock += ms;
    vi.advanceTimersByTime(ms);
  };
  /** What the event loop would do next: run the steps the writer yielded. */
  const runYields = () => {
    while (yields.length > 0) yields.shift()!();
  };
  /** xterm parses the latest slice handed to it. */
  const parseLatest = () => {
    writes.at(-1)!.parsed();
    runYields();
  };

  it('writes the first chunk after a quiet spell at once, so a typed key echoes without delay', () => {
    writer.push('a');
    expect(writes.map((w) => w.data)).toEqual(['a']);
    parseLatest();
    advance(100);
    writer.push('b');
    expect(writes.map((w) => w.data)).toEqual(['a', 'b']);
  });

  it('under a stream, coalesces what arrives into one write, once the last is parsed and an interval has passed', () => {
    writer.push('1');
    advance(2);
    writer.push('2');
    writer.push('3');
    advance(20);
    // Not before the first write is parsed, however long that takes.
    expect(writes.map((w) => w.data)).toEqual(['1']);
    parseLatest();
    expect(writes.map((w) => w.data)).toEqual(['1', '23']);
    // Parsed quickly: the next write waits for the interval since the last one started.
    writer.push('4');
    parseLatest();
    expect(writes).toHaveLength(2);
    advance(15);
    expect(writes).toHaveLength(2);
    advance(1);
    expect(writes.map((w) => w.data).join('')).toBe('1234');
  });

  it('acknowledges only what xterm has parsed, with all of its units', () => {
    writer.push('xyz');
    expect(acks).toEqual([]);
    writes[0]!.parsed();
    expect(acks).toEqual([3]);
  });

  it('hands a large write over one slice at a time, acknowledging as parsing progresses', () => {
    writer.push('0123456789abcdefXY'); // 18 units: slices of 4, acknowledgements every 8
    expect(writes.map((w) => w.data)).toEqual(['0123']);
    writes[0]!.parsed();
    // The next slice only after a yield to the event loop.
    expect(writes).toHaveLength(1);
    runYields();
    expect(writes.map((w) => w.data)).toEqual(['0123', '4567']);
    expect(acks).toEqual([]);
    parseLatest();
    expect(acks).toEqual([8]);
    parseLatest();
    parseLatest();
    expect(acks).toEqual([8, 8]);
    expect(writes.map((w) => w.data)).toEqual(['0123', '4567', '89ab', 'cdef', 'XY']);
    parseLatest();
    expect(acks).toEqual([8, 8, 2]);
    expect(acks.reduce((a, b) => a + b)).toBe(18);
  });

  it('keeps the order when output arrives while a write is being parsed', () => {
    writer.push('abcdefgh');
    writer.push('ij');
    advance(50);
    parseLatest();
    writer.push('kl');
    parseLatest();
    parseLatest();
    expect(writes.map((w) => w.data).join('')).toBe('abcdefghijkl');
    expect(acks.reduce((a, b) => a + b)).toBe(12);
  });

  it('ignores empty chunks and, once disposed, writes nothing more', () => {
    writer.push('');
    expect(writes).toHaveLength(0);
    writer.push('abcdef');
    writer.push('g');
    writer.dispose();
    writes[0]!.parsed();
    runYields();
    advance(50);
    writer.push('h');
    advance(50);
    expect(writes.map((w) => w.data)).toEqual(['abcd']);
  });

  it('by default yields between slices through a message to itself, not a timer', async () => {
    vi.useRealTimers();
    const written: string[] = [];
    const real = new PacedWriter(
      (data, parsed) => {
        written.push(data);
        parsed();
      },
      (units) => acks.push(units),
      { sliceUnits: 4, ackUnits: 8 },
    );
    real.push('0123456789');
    expect(written).toEqual(['0123']); // the rest only after the event loop has had a turn
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(written).toEqual(['0123', '4567', '89']);
    expect(acks).toEqual([8, 2]);
    real.dispose();
  });
});
