import type { Terminal } from '@xterm/xterm';

/**
 * Keeps xterm's drawing proportional to what a person can see, not to how fast output arrives.
 *
 * Measured in bench:terminal (Chromium, DOM renderer, 2 cores): while a flood streams, xterm 6.0
 * repaints its whole viewport on every animation frame, and after any click in the terminal (which
 * leaves an empty selection) re-renders every row a second time per frame for that selection
 * (upstream xtermjs/xterm.js#4633). It also moves its hidden input element to the cursor after
 * every parsed chunk, and the blinking cursor is a CSS animation: either alone keeps Chromium
 * producing every frame. Painting then cost more CPU, across the renderer, compositor and GPU
 * processes, than parsing the output did.
 *
 * So, all invisible to someone reading the screen:
 * - repaints, and moves of the input element, happen at most once per `minFrameMs` while output
 *   streams; the first after a quiet spell goes at once, so a typed key still echoes without delay;
 * - a selection change from "nothing selected" to "nothing selected" is not repainted;
 * - the cursor holds still while output streams and blinks again once it has been quiet a while.
 *
 * The first two reach into xterm internals (the pinned @xterm/xterm 6.0.0). If those change shape,
 * nothing is patched, `installed` is false and the terminal draws as xterm does by default; the e2e
 * terminal test checks `installed` and the repaint rate under a flood, so an upgrade cannot lose
 * this silently.
 */
export function capRendering(
  term: Terminal,
  minFrameMs = 50,
  quietMs = 500,
): { installed: boolean; dispose(): void } {
  const core = (term as unknown as { _core?: { _renderService?: unknown } })._core;
  const renderService = core?._renderService as
    { _renderDebouncer?: unknown; handleSelectionChanged?: unknown } | undefined;
  const debouncer = renderService?._renderDebouncer;
  if (
    !renderService ||
    !isRefreshable(debouncer) ||
    !isSelectionSink(renderService) ||
    typeof (core as { _syncTextArea?: unknown })._syncTextArea !== 'function'
  ) {
    return { installed: false, dispose: () => undefined };
  }
  const still = holdCursorWhileStreaming(term, quietMs);
  const refreshes = throttleRefreshes(debouncer, minFrameMs, undefined, still.streaming);
  const textArea = throttleMethod(core as { _syncTextArea(): void }, '_syncTextArea', minFrameMs);
  const selection = skipEmptySelectionRepaints(renderService);
  return {
    installed: true,
    dispose() {
      refreshes.dispose();
      textArea.dispose();
      selection.dispose();
      still.dispose();
    },
  };
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
 * Leading and trailing throttle: `request()` runs `run` at once if it last ran at least `ms` ago,
 * otherwise once, `ms` after it last ran, however many requests come in between. Returns whether
 * the request was deferred (that is, whether requests are streaming in).
 */
function throttle(run: () => void, ms: number, now: () => number) {
  let last = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const go = () => {
    timer = null;
    last = now();
    run();
  };
  return {
    request(): boolean {
      if (timer) return true;
      const wait = last + ms - now();
      if (wait <= 0) {
        go();
        return false;
      }
      timer = setTimeout(go, wait);
      return true;
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/** Replaces `target[key]` with `replacement` until disposed, then restores what was there. */
function patch<T extends object, K extends keyof T>(target: T, key: K, replacement: T[K]): () => void {
  const ownBefore = Object.prototype.hasOwnProperty.call(target, key);
  const before = target[key];
  target[key] = replacement;
  return () => {
    if (ownBefore) target[key] = before;
    else delete (target as Partial<T>)[key]; // the prototype's method again
  };
}

/**
 * Wraps a render debouncer's `refresh` (rows start..end need drawing) so that requests arriving
 * within `minFrameMs` of the last one passed on are merged into a single later request covering all
 * their rows. Nothing is dropped: every row asked for is drawn, at most `minFrameMs` late.
 * `onStreaming` hears of each request that had to wait.
 */
export function throttleRefreshes(
  target: Refreshable,
  minFrameMs: number,
  now: () => number = () => performance.now(),
  onStreaming: () => void = () => undefined,
): { dispose(): void } {
  const original = target.refresh.bind(target);
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  let rowCount = 0;
  const throttled = throttle(
    () => {
      const [s, e] = [start, end];
      start = Number.POSITIVE_INFINITY;
      end = Number.NEGATIVE_INFINITY;
      original(s, e, rowCount);
    },
    minFrameMs,
    now,
  );
  const restore = patch(target, 'refresh', (s, e, count) => {
    rowCount = count;
    start = Math.min(start, s ?? 0);
    end = Math.max(end, e ?? count - 1);
    if (throttled.request()) onStreaming();
  });
  return {
    dispose() {
      throttled.cancel();
      restore();
    },
  };
}

/** Runs a no-argument method at most once per `ms` (first at once, the rest merged into one later). */
export function throttleMethod<K extends string>(
  target: Record<K, () => void>,
  key: K,
  ms: number,
  now: () => number = () => performance.now(),
): { dispose(): void } {
  const original = target[key].bind(target);
  const throttled = throttle(original, ms, now);
  const restore = patch(target, key, () => void throttled.request());
  return {
    dispose() {
      throttled.cancel();
      restore();
    },
  };
}

/** Drops selection changes from an empty selection (none, or zero-length after a click) to another. */
export function skipEmptySelectionRepaints(target: SelectionSink): { dispose(): void } {
  const original = target.handleSelectionChanged.bind(target);
  let wasEmpty = false;
  const restore = patch(target, 'handleSelectionChanged', (start, end, columnSelectMode) => {
    const empty = !start || !end || (start[0] === end[0] && start[1] === end[1]);
    if (empty && wasEmpty) return;
    wasEmpty = empty;
    original(start, end, columnSelectMode);
  });
  return { dispose: restore };
}

/**
 * Stops the cursor blinking (if the user has it blinking) while output streams, through xterm's
 * public options, and lets it blink again `quietMs` after the last sign of streaming. Called for
 * every deferred repaint, so it only notes the time; its one timer checks that when it fires.
 */
export function holdCursorWhileStreaming(
  term: Pick<Terminal, 'options'>,
  quietMs: number,
  now: () => number = Date.now,
): { streaming(): void; dispose(): void } {
  let held = false;
  let lastSeen = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const check = () => {
    const left = lastSeen + quietMs - now();
    if (left > 0) {
      timer = setTimeout(check, left);
      return;
    }
    timer = null;
    held = false;
    term.options.cursorBlink = true;
  };
  return {
    streaming() {
      if (!held && term.options.cursorBlink) {
        held = true;
        term.options.cursorBlink = false;
      }
      if (!held) return;
      lastSeen = now();
      timer ??= setTimeout(check, quietMs);
    },
    dispose() {
      if (timer) clearTimeout(timer);
      timer = null;
      held = false;
    },
  };
}
