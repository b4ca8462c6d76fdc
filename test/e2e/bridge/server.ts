/**
 * The e2e test bridge: serves the BUILT renderer (out/renderer) over loopback HTTP and implements the
 * contract against the real main-process services (createHostdeck), exactly as the Electron shell does
 * over IPC: calls arrive over a WebSocket, results and events go back over one streamed response
 * (see Downstream). Test-only: never shipped.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { WebSocketServer } from 'ws';
import type { Hostdeck, HostdeckOptions } from '../../../src-main/core/hostdeck';
import type { AlertNotice } from '../../../src-main/monitor';
import { createHostdeck } from '../../../src-main/core/hostdeck';
import { CONTENT_SECURITY_POLICY } from '../../../src-main/shell/trust';

export interface Bridge {
  url: string;
  hostdeck: Hostdeck;
  /** The alert notifications main raised (the app shows each as a desktop notification). */
  notices: AlertNotice[];
  close(): Promise<void>;
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** Where the shim reads everything the bridge sends it (see Downstream). */
export const DOWN_PATH = '/__bridge/down';

/**
 * The bridge's one ordered channel to the page: command results and events as newline-delimited
 * JSON (JSON.stringify never emits a raw newline) in a streamed HTTP response. Not WebSocket frames:
 * Playwright keeps the CDP Network domain enabled, and Chromium then copies every received WebSocket
 * frame, payload and all, into a CDP event for the test process to parse, which under a terminal
 * flood cost more CPU than xterm itself. A streamed response is reported as byte counts only.
 * Calls stay on the WebSocket (small frames, page → bridge). Messages sent before the page has
 * opened the stream wait here, so nothing is lost or reordered.
 */
class Downstream {
  private res: ServerResponse | null = null;
  private queued: string[] = [];
  private closed = false;
  private readonly closeListeners: Array<() => void> = [];

  attach(res: ServerResponse): void {
    if (this.closed) {
      res.end();
      return;
    }
    this.res = res;
    if (this.queued.length > 0) res.write(this.queued.splice(0).join(''));
  }

  send(msg: unknown): void {
    if (this.closed) return;
    const line = `${JSON.stringify(msg)}\n`;
    if (this.res) this.res.write(line);
    else this.queued.push(line);
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queued = [];
    this.res?.end();
    for (const l of this.closeListeners.splice(0)) l();
  }
}

export async function startBridge(opts: {
  dataDir: string;
  rendererDir: string;
  services?: Partial<HostdeckOptions>;
}): Promise<Bridge> {
  const notices: AlertNotice[] = [];
  const hostdeck = createHostdeck({
    dataDir: opts.dataDir,
    version: 'e2e',
    runtime: 'node (e2e bridge)',
    notify: (n) => notices.push(n),
    ...opts.services,
  });
  const root = normalize(opts.rendererDir);

  /** One downstream per page load, keyed by the token the shim puts on both of its connections. */
  const downs = new Map<string, Downstream>();
  const downstream = (token: string) => {
    let d = downs.get(token);
    if (!d) {
      d = new Downstream();
      downs.set(token, d);
    }
    return d;
  };

  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === DOWN_PATH) {
      const token = url.searchParams.get('c');
      if (!token) {
        res.writeHead(400).end();
        return;
      }
      res.socket?.setNoDelay(true);
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      });
      downstream(token).attach(res);
      res.on('close', () => {
        downs.get(token)?.close();
        downs.delete(token);
      });
      return;
    }
    const path = decodeURIComponent(url.pathname);
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root)) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, {
          'Content-Type': types[extname(file)] ?? 'application/octet-stream',
          'Content-Security-Policy': CONTENT_SECURITY_POLICY,
          'Cache-Control': 'no-store',
        });
        res.end(body);
      },
      () => res.writeHead(404).end(),
    );
  });

  const wss = new WebSocketServer({ server: http, path: '/__bridge' });
  wss.on('connection', (socket, req) => {
    const token = new URL(req.url ?? '/', 'http://x').searchParams.get('c');
    if (!token) {
      socket.close();
      return;
    }
    const down = downstream(token);
    const stop = hostdeck.events.listen((name, payload) => down.send({ t: 'event', name, payload }));
    down.onClose(() => socket.close());
    socket.on('close', () => {
      stop();
      down.close();
      downs.delete(token);
    });
    socket.on('message', (data) => {
      let msg: { t?: string; id?: number; command?: unknown; input?: unknown };
      try {
        msg = JSON.parse(String(data)) as typeof msg;
      } catch {
        return;
      }
      if (msg.t !== 'call') return;
      void hostdeck.router
        .dispatch(msg.command, msg.input, { actor: 'test-bridge' })
        .then((result) => down.send({ t: 'result', id: msg.id, result }));
    });
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    hostdeck,
    notices,
    async close() {
      for (const client of wss.clients) client.terminate();
      for (const d of downs.values()) d.close();
      downs.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await hostdeck.close();
    },
  };
}
