import { z } from 'zod';
import { command, event } from './define';

export const terminalSessionId = z.string().regex(/^[0-9a-f-]{36}$/, 'expected a terminal session id');
const cols = z.number().int().min(2).max(1000);
const rows = z.number().int().min(1).max(500);

export const terminalOpen = z
  .object({
    serverId: z.string().regex(/^[0-9a-f-]{36}$/, 'choose a server'),
    cols,
    rows,
    /** Open in this site's directory as its tenant's Linux user (instead of the login shell). */
    siteId: z
      .string()
      .regex(/^[0-9a-f-]{36}$/, 'unknown site')
      .optional(),
  })
  .strict();
export const terminalWrite = z
  .object({ sessionId: terminalSessionId, data: z.string().max(65_536) })
  .strict();
export const terminalResize = z.object({ sessionId: terminalSessionId, cols, rows }).strict();
/** The renderer acknowledges what xterm has written (in UTF-16 code units, as sent). */
export const terminalAck = z
  .object({ sessionId: terminalSessionId, units: z.number().int().min(0) })
  .strict();
export const terminalRef = z.object({ sessionId: terminalSessionId }).strict();

export interface TerminalOpened {
  sessionId: string;
}

export interface TerminalData {
  sessionId: string;
  data: string;
}

export interface TerminalClosed {
  sessionId: string;
  /** Why it ended: the shell exited, or the connection dropped (offer reconnect). */
  reason: 'exit' | 'dropped' | 'closed';
  message: string;
}

/** The terminal slice of the contract: its commands (with their traits) and events. */
export const terminalCommands = {
  'terminal.open': command<TerminalOpened>()(terminalOpen, 'Open an SSH shell (PTY) on a server.', {
    audit: 'terminal.open',
  }),
  'terminal.write': command<{ done: true }>()(terminalWrite, 'Send keystrokes or pasted text to a shell.'),
  'terminal.resize': command<{ done: true }>()(terminalResize, 'Tell the shell its new size.', {
    passive: true,
  }),
  'terminal.ack': command<{ done: true }>()(
    terminalAck,
    'Acknowledge output the terminal has drawn (flow control).',
    { passive: true },
  ),
  'terminal.close': command<{ done: true }>()(terminalRef, 'Close a shell.'),
} as const;

export const terminalEvents = {
  'terminal.data': event<TerminalData>('Shell output, in order, coalesced.'),
  'terminal.closed': event<TerminalClosed>('A shell ended: exited, dropped or closed.'),
} as const;
