import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  capRendering,
  holdCursorWhileStreaming,
  skipEmptySelectionRepaints,
  throttleMethod,
  throttleRefreshes,
} from '../../src-renderer/src/features/terminal/renderCap';
import type { Terminal } from '@xterm/xterm';

describe('throttleRefreshes (xterm repaints while output streams)', () => {
  let clock = 0;
  let calls: [number | undefined, number | undefined, number][];
  const target = {
    refresh: (s: number | undefined, e: number | undefined, n: number) => void calls.push([s, e, n]),
  };
  beforeEach(() => {
    vi.useFakeTimers();
    clock = 1_000;
    calls = [];
  });
  afterEach(() => vi.useRealTimers());
  const advance = (ms: number) => {
    clock += ms;
    vi.advanceTimersByTime(ms);
  };

  it('passes the first request after a quiet spell on at once, then at most one per interval', () => {
    const t = throttleRefreshes(target, 50, () => clock);
    target.refresh(3, 3, 24);
    expect(calls).toEqual([[3, 3, 24]]);
    advance(10);
    target.refresh(5, 7, 24);
    target.refresh(0, 2, 24);
    advance(20);
    target.refresh(20, 23, 24);
    expect(calls).toHaveLength(1);
    advance(19);
    expect(calls).toHaveLength(1);
    advance(1);
    // One request covering every row asked for in between: nothing is left undrawn.
    expect(calls).toEqual([
      [3, 3, 24],
      [0, 23, 24],
    ]);
    advance(200);
    target.refresh(undefined, undefined, 30); // "all rows", as xterm asks after a resize
    expect(calls.at(-1)).toEqual([0, 29, 30]);
    t.dispose();
  });

  it('on dispose, cancels what is waiting and restores the original', () => {
    const original = target.refresh;
    const t = throttleRefreshes(target, 50, () => clock);
    target.refresh(0, 0, 24);
    target.refresh(1, 1, 24);
    t.dispose();
    advance(100);
    expect(calls).toEqual([[0, 0, 24]]);
    expect(target.refresh).toBe(original);
  });
});

describe('throttleMethod (xterm moving its input element to the cursor)', () => {
  afterEach(() => vi.useRealTimers());

  it('runs the first call at once and merges the rest into one call an interval later', () => {
    vi.useFakeTimers();
    let clock = 1_000;
    let runs = 0;
    const target = { sync: () => void (runs += 1) };
    const t = throttleMethod(target, 'sync', 50, () => clock);
    target.sync();
    expect(runs).toBe(1);
    for (let i = 0; i < 10; i++) target.sync();
    expect(runs).toBe(1);
    clock += 50;
    vi.advanceTimersByTime(50);
    expect(runs).toBe(2);
    t.dispose();
    target.sync();
    target.sync();
    expect(runs).toBe(4); // restored: called straight through again
  });
});

describe('holdCursorWhileStreaming', () => {
  afterEach(() => vi.useRealTimers());

  it('stops a blinking cursor while output streams and lets it blink once quiet', () => {
    vi.useFakeTimers();
    const term = { options: { cursorBlink: true } };
    const hold = holdCursorWhileStreaming(term as never, 500);
    hold.streaming();
    expect(term.options.cursorBlink).toBe(false);
    vi.advanceTimersByTime(400);
    hold.streaming(); // still streaming: the quiet spell starts over
    vi.advanceTimersByTime(400);
    expect(term.options.cursorBlink).toBe(false);
    vi.advanceTimersByTime(100);
    expect(term.options.cursorBlink).toBe(true);
    hold.dispose();
  });

  it('leaves a cursor the user set not to blink alone', () => {
    vi.useFakeTimers();
    const term = { options: { cursorBlink: false } };
    const hold = holdCursorWhileStreaming(term as never, 500);
    hold.streaming();
    vi.advanceTimersByTime(1_000);
    expect(term.options.cursorBlink).toBe(false);
    hold.dispose();
  });
});

describe('skipEmptySelectionRepaints', () => {
  it('repaints real selection changes, and an empty one only when it was not empty before', () => {
    const seen: unknown[] = [];
    const handler = (s: unknown, e: unknown, _column: boolean) => void seen.push([s, e]);
    const sink = { handleSelectionChanged: handler };
    const skip = skipEmptySelectionRepaints(sink);
    sink.handleSelectionChanged(undefined, undefined, false); // first: passed on
    sink.handleSelectionChanged(undefined, undefined, false); // nothing → nothing: skipped
    sink.handleSelectionChanged([4, 9], [4, 9], false); // a click: zero-length, still empty
    sink.handleSelectionChanged([4, 9], [12, 9], false); // a drag: a real selection
    sink.handleSelectionChanged([4, 9], [12, 9], false); // scrolled with a selection: repainted
    sink.handleSelectionChanged(undefined, undefined, false); // cleared: repainted once
    sink.handleSelectionChanged(undefined, undefined, false);
    expect(seen).toEqual([
      [undefined, undefined],
      [
        [4, 9],
        [12, 9],
      ],
      [
        [4, 9],
        [12, 9],
      ],
      [undefined, undefined],
    ]);
    skip.dispose();
    expect(sink.handleSelectionChanged).toBe(handler);
  });
});

describe('capRendering', () => {
  it('patches nothing and says so when xterm internals are not where expected', () => {
    const cap = capRendering({} as Terminal, 50);
    expect(cap.installed).toBe(false);
    cap.dispose();
  });
});
