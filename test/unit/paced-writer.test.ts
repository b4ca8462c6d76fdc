import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PacedWriter } from '../../src-renderer/src/features/terminal/pacedWriter';

describe('PacedWriter (terminal output → xterm)', () => {
  let clock = 0;
  let writes: { data: string; parsed: () => void }[];
  let acks: number[];
  let writer: PacedWriter;

  beforeEach(() => {
    vi.useFakeTimers();
    clock = 1_000;
    writes = [];
    acks = [];
    writer = new PacedWriter(
      (data, parsed) => writes.push({ data, parsed }),
      (units) => acks.push(units),
      16,
      8,
      () => clock,
    );
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const advance = (ms: number) => {
    clock += ms;
    vi.advanceTimersByTime(ms);
  };

  it('writes the first chunk after a quiet spell at once, so a typed key echoes without delay', () => {
    writer.push('a');
    expect(writes.map((w) => w.data)).toEqual(['a']);
    advance(100);
    writer.push('b');
    expect(writes.map((w) => w.data)).toEqual(['a', 'b']);
  });

  it('under a stream, coalesces everything that arrives within the interval into one write, in order', () => {
    writer.push('1');
    advance(2);
    writer.push('2');
    advance(2);
    writer.push('3');
    writer.push('4');
    expect(writes.map((w) => w.data)).toEqual(['1']);
    advance(11);
    expect(writes).toHaveLength(1); // 15 ms after the first write: still waiting
    advance(1);
    expect(writes.map((w) => w.data)).toEqual(['1', '234']);
    // The stream goes on: the next write comes one interval after that one, not sooner.
    writer.push('5');
    advance(15);
    expect(writes).toHaveLength(2);
    advance(1);
    expect(writes.map((w) => w.data).join('')).toBe('12345');
  });

  it('acknowledges a write only once xterm has parsed it, with all of its units', () => {
    writer.push('xx');
    advance(1);
    writer.push('yyy');
    writer.push('zzzz');
    advance(20);
    expect(writes).toHaveLength(2);
    expect(acks).toEqual([]);
    writes[1]!.parsed();
    expect(acks).toEqual([7]);
    writes[0]!.parsed();
    expect(acks).toEqual([7, 2]);
  });

  it('hands a large write over in slices, acknowledged once the last is parsed', () => {
    writer.push('abc');
    writer.push('0123456789abcdefXY');
    advance(16);
    expect(writes.map((w) => w.data)).toEqual(['abc', '01234567', '89abcdef', 'XY']);
    writes[1]!.parsed();
    writes[2]!.parsed();
    expect(acks).toEqual([]);
    writes[3]!.parsed();
    expect(acks).toEqual([18]);
  });

  it('ignores empty chunks and, once disposed, writes nothing more', () => {
    writer.push('');
    expect(writes).toHaveLength(0);
    writer.push('a');
    writer.push('b');
    writer.dispose();
    advance(50);
    writer.push('c');
    advance(50);
    expect(writes.map((w) => w.data)).toEqual(['a']);
  });
});
