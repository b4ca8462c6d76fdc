import { z } from 'zod';

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
