import type { Terminal } from '@xterm/xterm';

/**
 * Keeps xterm's drawing proportional to what a person can see, not to how fast output arrives.
 *
 * Measured in bench:terminal (Chromium, DOM renderer, 2 cores): while a flood streams, xterm 6.0
 * repaints its whole viewport on every animation frame, and after any click in the terminal (which
 * leaves an empty selection) re-renders every row a second time per frame for that selection
 * (upstream xtermjs/xterm.js#4633). Painting then cost more CPU, across the renderer, compositor and
 * GPU processes, than parsing the output did.
 *
 * Two changes, both invisible to someone reading the screen:
 * - repaints are at most one per `minFrameMs` while output streams; the first after a quiet spell
 *   goes to the next frame at once, so a typed key still echoes without delay;
 * - a selection change from "nothing selected" to "nothing selected" is not repainted.
 *
 * They reach into xterm internals (the pinned @xterm/xterm 6.0.0). If those change shape, nothing
 * is patched, `installed` is false and the terminal simply draws as xterm does by default; the e2e
 * terminal test checks `installed` and the repaint rate under a flood, so an upgrade cannot lose
 * this silently.
 */
export function capRendering(term: Terminal, minFrameMs = 50): { installed: boolean; dispose(): void } {
  const renderService = (term as unknown as { _core?: { _renderService?: unknown } })._core
    ?._renderService as { _renderDebouncer?: unknown; handleSelectionChanged?: unknown } | undefined;
  const debouncer = renderService?._renderDebouncer;
  if (!renderService || !isRefreshable(debouncer) || !isSelectionSink(renderService)) {
    return { installed: false, dispose: () => undefined };
  }
  const throttled = throttleRefreshes(debouncer, minFrameMs);
  skipEmptySelectionRepaints(renderService);
  return { installed: true, dispose: throttled.dispose };
}

type Refresh = (start: number | undefined, end: number | undefined, rowCount: number) => void;
export interface Refreshable {
  refresh: Refresh;
}

type SelectionChanged = (
  start: [number, number] | undefined,
  end: [number, number] | undefined,
  columnSelectMode: boolean,
) => void;
export interface SelectionSink {
  handleSelectionChanged: SelectionChanged;
}

const isRefreshable = (x: unknown): x is Refreshable =>
  typeof x === 'object' && x !== null && typeof (x as Refreshable).refresh === 'function';
const isSelectionSink = (x: unknown): x is SelectionSink =>
  typeof x === 'object' && x !== null && typeof (x as SelectionSink).handleSelectionChanged === 'function';

/**
 * Wraps a render debouncer's `refresh` (rows start..end need drawing) so that requests arriving
 * within `minFrameMs` of the last one passed on are merged into a single later request covering all
 * their rows. Nothing is dropped: every row asked for is drawn, at most `minFrameMs` late.
 */
export function throttleRefreshes(
  target: Refreshable,
  minFrameMs: number,
  now: () => number = () => performance.now(),
): { dispose(): void } {
  const ownBefore = Object.prototype.hasOwnProperty.call(target, 'refresh');
  const before = target.refresh;
  const original = before.bind(target);
  let last = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  let rowCount = 0;
  const pass = () => {
    timer = null;
    last = now();
    const [s, e] = [start, end];
    start = Number.POSITIVE_INFINITY;
    end = Number.NEGATIVE_INFINITY;
    original(s, e, rowCount);
  };
  target.refresh = (s, e, count) => {
    rowCount = count;
    start = Math.min(start, s ?? 0);
    end = Math.max(end, e ?? count - 1);
    if (timer) return;
    const wait = last + minFrameMs - now();
    if (wait <= 0) pass();
    else timer = setTimeout(pass, wait);
  };
  return {
    dispose() {
      if (timer) clearTimeout(timer);
      timer = null;
      if (ownBefore) target.refresh = before;
      else delete (target as Partial<Refreshable>).refresh; // the prototype's method again
    },
  };
}

/** Drops selection changes from an empty selection (none, or zero-length after a click) to another. */
export function skipEmptySelectionRepaints(target: SelectionSink): void {
  const original = target.handleSelectionChanged.bind(target);
  let wasEmpty = false;
  target.handleSelectionChanged = (start, end, columnSelectMode) => {
    const empty = !start || !end || (start[0] === end[0] && start[1] === end[1]);
    if (empty && wasEmpty) return;
    wasEmpty = empty;
    original(start, end, columnSelectMode);
  };
}
