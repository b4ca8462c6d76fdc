import type { TerminalClosed } from '@contract';
import { api } from '../../api/client';

type Sink = { data(text: string): void; closed(event: TerminalClosed): void };

const sinks = new Map<string, Sink>();
let subscribed = false;

/** One subscription for all tabs: output is routed to its session's terminal by id. */
export function attach(sessionId: string, sink: Sink): () => void {
  if (!subscribed) {
    subscribed = true;
    api.on('terminal.data', (e) => sinks.get(e.sessionId)?.data(e.data));
    api.on('terminal.closed', (e) => sinks.get(e.sessionId)?.closed(e));
  }
  sinks.set(sessionId, sink);
  return () => sinks.delete(sessionId);
}

declare global {
  interface Window {
    /** Test hook: when a test defines it, every chunk written to a terminal is also passed here. */
    __hostdeckTerminalTap?: (sessionId: string, text: string) => void;
  }
}
