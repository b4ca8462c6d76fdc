import type { LogEntry } from '@contract';
import { useLayoutEffect, useRef, useState } from 'react';

const ROW = 20;
const OVERSCAN = 20;

/** Renders only the rows in view, so 100,000 entries scroll as smoothly as 100. */
/** Log times in the laptop's time zone, as the Audit view shows its times (UTC on hover). */
const logTime = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
  hour12: false,
});

export function VirtualList({
  entries,
  follow,
  onUserScroll,
}: {
  entries: readonly LogEntry[];
  follow: boolean;
  onUserScroll(atBottom: boolean): void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(400);

  useLayoutEffect(() => {
    const el = box.current!;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  useLayoutEffect(() => {
    if (follow && box.current) box.current.scrollTop = entries.length * ROW;
  }, [entries, follow]);

  const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
  const last = Math.min(entries.length, Math.ceil((top + height) / ROW) + OVERSCAN);
  const rows = entries.slice(first, last);

  return (
    <div
      ref={box}
      className="log-list"
      role="log"
      aria-label="Log entries"
      aria-live="off"
      data-count={entries.length}
      onScroll={(e) => {
        const el = e.currentTarget;
        setTop(el.scrollTop);
        onUserScroll(el.scrollTop + el.clientHeight >= el.scrollHeight - ROW * 2);
      }}
    >
      <div className="log-spacer" style={{ height: entries.length * ROW }}>
        {rows.map((e, i) => (
          <div key={first + i} className={`log-row level-${e.level}`} style={{ top: (first + i) * ROW }}>
            <span className="log-time" title={new Date(e.time).toISOString()}>
              {logTime.format(new Date(e.time))}
            </span>
            <span className="log-unit" title={e.unit}>
              {e.unit}
            </span>
            {e.http ? (
              <span className={`log-status s${Math.floor(e.http.status / 100)}xx`}>{e.http.status}</span>
            ) : (
              <span className="log-status" />
            )}
            <span className="log-msg">{e.message}</span>
          </div>
        ))}
      </div>
    </div>
  );
}
