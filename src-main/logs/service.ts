import { randomUUID } from 'node:crypto';
import type { LogEntry } from '@contract';
import { AppError } from '../base/app-error';
import type { EventBus } from '../base/events';
import type { SshPool } from '../infra/ssh/pool';
import { LineSplitter } from '../remote/protocol';
import { commandLine } from '../remote/shell-quote';
import { parseJournalLine } from './parse';

interface Stream {
  id: string;
  abort: AbortController;
  pending: LogEntry[];
  timer: NodeJS.Timeout | null;
}

const FLUSH_MS = 50;
const MAX_BATCH = 5_000;

/**
 * Follows journald on a server (`journalctl -o json -f`, one long-lived SSH channel per stream, its output never buffered), parses each line
 * in main, and sends batches to the renderer. Units are validated and quoted; nothing else is
 * interpolated.
 */
export class LogService {
  private readonly streams = new Map<string, Stream>();

  constructor(
    private readonly pool: Pick<SshPool, 'stream'>,
    private readonly events: EventBus,
    /** Blanks secrets this process knows in a journal line before it is shown. */
    private readonly redact: (text: string) => string = (t) => t,
  ) {}

  follow(serverId: string, units: string[], backlog: number): { streamId: string } {
    const stream: Stream = { id: randomUUID(), abort: new AbortController(), pending: [], timer: null };
    this.streams.set(stream.id, stream);
    const args = [
      'journalctl',
      '--no-pager',
      '-o',
      'json',
      '-f',
      '-n',
      String(backlog),
      ...units.flatMap((u) => ['-u', u]),
    ];
    const splitter = new LineSplitter();
    const onLine = (line: string) => {
      const entry = parseJournalLine(line);
      if (entry) this.push(stream, { ...entry, message: this.redact(entry.message) });
    };
    this.pool
      .stream(serverId, commandLine(args), {
        signal: stream.abort.signal,
        onStdout: (chunk) => splitter.push(chunk).forEach(onLine),
      })
      .then(
        (r) =>
          this.end(
            stream,
            r.code === 0
              ? 'The log stream ended.'
              : `journalctl stopped: ${r.stderr.trim() || `exit ${r.code}`}`,
          ),
        (err: unknown) =>
          this.end(
            stream,
            stream.abort.signal.aborted ? 'Stopped.' : err instanceof Error ? err.message : String(err),
          ),
      );
    return { streamId: stream.id };
  }

  stop(streamId: string): void {
    const stream = this.streams.get(streamId);
    if (!stream) throw new AppError('NOT_FOUND', 'That log stream has ended.');
    stream.abort.abort();
  }

  stopAll(): void {
    for (const s of this.streams.values()) s.abort.abort();
  }

  private push(stream: Stream, entry: LogEntry) {
    stream.pending.push(entry);
    if (stream.pending.length >= MAX_BATCH) this.flush(stream);
    else stream.timer ??= setTimeout(() => this.flush(stream), FLUSH_MS);
  }

  private flush(stream: Stream) {
    if (stream.timer) clearTimeout(stream.timer);
    stream.timer = null;
    if (stream.pending.length === 0) return;
    const entries = stream.pending;
    stream.pending = [];
    this.events.emit('logs.entries', { streamId: stream.id, entries });
  }

  private end(stream: Stream, message: string) {
    this.flush(stream);
    this.streams.delete(stream.id);
    this.events.emit('logs.ended', { streamId: stream.id, message });
  }
}
