import type { LogEntry, LogLevel } from '@contract';

const levels: LogLevel[] = ['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug'];
const caddyLevels: Record<string, LogLevel> = {
  debug: 'debug',
  info: 'info',
  warn: 'warning',
  error: 'error',
  panic: 'crit',
  fatal: 'emerg',
};

/** journald fields may be strings or (for non-UTF-8 data) arrays of bytes. */
function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return Buffer.from(v as number[]).toString('utf8');
  return v === undefined || v === null ? '' : String(v);
}

/**
 * One `journalctl -o json` line → a log entry; a Caddy JSON access line inside MESSAGE becomes an
 * HTTP entry (time, status, method, host, path, duration). Returns null for lines that are not JSON.
 */
export function parseJournalLine(line: string): LogEntry | null {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  const micros = Number(text(j.__REALTIME_TIMESTAMP));
  const priority = Number(text(j.PRIORITY));
  const entry: LogEntry = {
    time: Number.isFinite(micros) ? Math.floor(micros / 1000) : 0,
    unit: text(j._SYSTEMD_UNIT) || text(j.SYSLOG_IDENTIFIER) || 'journal',
    level: levels[Number.isInteger(priority) && priority >= 0 && priority <= 7 ? priority : 6]!,
    message: text(j.MESSAGE),
  };
  const m = entry.message;
  if (m.startsWith('{') && m.includes('"request"')) {
    try {
      const c = JSON.parse(m) as {
        level?: string;
        ts?: number;
        status?: number;
        duration?: number;
        request?: { method?: string; host?: string; uri?: string };
      };
      if (c.request && typeof c.status === 'number') {
        entry.http = {
          status: c.status,
          method: c.request.method ?? '',
          host: c.request.host ?? '',
          path: c.request.uri ?? '',
          durationMs: Math.round((c.duration ?? 0) * 1000 * 100) / 100,
        };
        if (typeof c.ts === 'number') entry.time = Math.floor(c.ts * 1000);
        entry.level =
          c.status >= 500
            ? 'error'
            : c.status >= 400
              ? 'warning'
              : (caddyLevels[c.level ?? 'info'] ?? 'info');
        entry.message = `${entry.http.method} ${entry.http.host}${entry.http.path} ${entry.http.status} ${entry.http.durationMs} ms`;
      }
    } catch {
      // not Caddy JSON after all: keep the raw message
    }
  }
  return entry;
}
