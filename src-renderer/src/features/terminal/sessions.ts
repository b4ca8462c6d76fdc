import type { TerminalClosed } from '@contract';
import { api } from '../../api/client';

type Sink = { data(text: string): void; closed(event: TerminalClosed): void };

const sinks = new Map<string, Sink>();

/** Routes a session's output and its end to its terminal; returns the detach. */
export function attach(sessionId: string, sink: Sink): () => void {
  sinks.set(sessionId, sink);
  return () => {
    if (sinks.get(sessionId) === sink) sinks.delete(sessionId);
  };
}

/**
 * One subscription for every terminal of the window: output is routed to its session by id. The
 * window (app/App.tsx) holds it while the vault is open; the returned function releases it.
 */
export function routeTerminalEvents(): () => void {
  const offData = api.on('terminal.data', (e) => sinks.get(e.sessionId)?.data(e.data));
  const offClosed = api.on('terminal.closed', (e) => sinks.get(e.sessionId)?.closed(e));
  return () => {
    offData();
    offClosed();
  };
}

declare global {
  interface Window {
    /** Test hook: when a test defines it, every chunk written to a terminal is also passed here. */
    __hostdeckTerminalTap?: (sessionId: string, text: string) => void;
  }
}
