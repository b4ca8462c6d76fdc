import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../src-main/api/contract';
import { parseJournalLine } from '../../src-main/logs/parse';
import { appendBounded, matches } from '../../src-renderer/src/features/logs/ring';

const journal = (fields: Record<string, unknown>) =>
  JSON.stringify({
    __REALTIME_TIMESTAMP: '1795000000123456',
    PRIORITY: '6',
    _SYSTEMD_UNIT: 'caddy.service',
    ...fields,
  });

describe('journal parsing', () => {
  it('reads time, unit, level and message from journalctl -o json', () => {
    expect(parseJournalLine(journal({ MESSAGE: 'started', PRIORITY: '3' }))).toEqual({
      time: 1795000000123,
      unit: 'caddy.service',
      level: 'error',
      message: 'started',
    });
  });

  it('decodes a message journald stored as bytes', () => {
    const bytes = [...Buffer.from('caf\u00e9 \u00fcber')];
    expect(parseJournalLine(journal({ MESSAGE: bytes }))?.message).toBe('café über');
  });

  it("turns Caddy's JSON access line into time, status, method, host, path and duration", () => {
    const caddy = JSON.stringify({
      level: 'info',
      ts: 1795000001.5,
      logger: 'http.log.access',
      msg: 'handled request',
      request: { method: 'GET', host: 'shop.example', uri: '/missing?x=1' },
      status: 404,
      duration: 0.0123,
    });
    expect(parseJournalLine(journal({ MESSAGE: caddy }))).toMatchObject({
      time: 1795000001500,
      level: 'warning',
      http: { status: 404, method: 'GET', host: 'shop.example', path: '/missing?x=1', durationMs: 12.3 },
      message: 'GET shop.example/missing?x=1 404 12.3 ms',
    });
  });

  it('skips lines that are not JSON, and keeps a message that only looks like Caddy JSON', () => {
    expect(parseJournalLine('-- No entries --')).toBeNull();
    expect(parseJournalLine(journal({ MESSAGE: '{"request": broken' }))?.message).toBe('{"request": broken');
  });
});

describe('the log view buffer and filters', () => {
  const entry = (i: number, extra: Partial<LogEntry> = {}): LogEntry => ({
    time: i,
    unit: 'u',
    level: 'info',
    message: `line ${i}`,
    ...extra,
  });

  it('keeps the newest entries up to its capacity and counts what it dropped', () => {
    let b = { items: [] as LogEntry[], dropped: 0 } as { items: readonly LogEntry[]; dropped: number };
    for (let batch = 0; batch < 30; batch++)
      b = appendBounded(
        b,
        Array.from({ length: 5000 }, (_, i) => entry(batch * 5000 + i)),
        100_000,
      );
    expect(b.items).toHaveLength(100_000);
    expect(b.dropped).toBe(50_000);
    expect(b.items[0]!.time).toBe(50_000);
    expect(b.items.at(-1)!.time).toBe(149_999);
  });

  it('filters by text, level and HTTP status class', () => {
    const ok = entry(1, {
      http: { status: 200, method: 'GET', host: 'h', path: '/', durationMs: 1 },
      message: 'GET h/ 200',
    });
    const missing = entry(2, {
      http: { status: 404, method: 'GET', host: 'h', path: '/x', durationMs: 1 },
      level: 'warning',
      message: 'GET h/x 404',
    });
    const boom = entry(3, { level: 'error', message: 'Database crashed' });
    const all = [ok, missing, boom];
    const f = (x: Partial<Parameters<typeof matches>[1]>) =>
      all.filter((e) => matches(e, { text: '', level: 'all', status: 'all', ...x }));
    expect(f({ status: '4xx' })).toEqual([missing]);
    expect(f({ status: '2xx' })).toEqual([ok]);
    expect(f({ level: 'warning' })).toEqual([missing, boom]);
    expect(f({ level: 'error' })).toEqual([boom]);
    expect(f({ text: 'database' })).toEqual([boom]);
  });
});

describe('the log view time range', () => {
  it('keeps only entries newer than the chosen window', () => {
    const now = Date.parse('2026-11-21T12:00:00Z');
    const at = (minutesAgo: number): LogEntry => ({
      time: now - minutesAgo * 60_000,
      unit: 'u',
      level: 'info',
      message: `${minutesAgo}`,
    });
    const entries = [at(1), at(20), at(90), at(2000)];
    const since = (m: number) =>
      entries
        .filter((e) => matches(e, { text: '', level: 'all', status: 'all', sinceMinutes: m }, now))
        .map((e) => e.message);
    expect(since(15)).toEqual(['1']);
    expect(since(60)).toEqual(['1', '20']);
    expect(since(1440)).toEqual(['1', '20', '90']);
    expect(since(0)).toEqual(['1', '20', '90', '2000']);
  });
});
