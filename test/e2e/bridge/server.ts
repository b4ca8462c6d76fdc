/**
 * The e2e test bridge: serves the BUILT renderer (out/renderer) over loopback HTTP and implements the
 * contract over a WebSocket against the real main-process services (createHostdeck), exactly as the
 * Electron shell does over IPC. Test-only: never shipped.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { WebSocketServer } from 'ws';
import type { Hostdeck, HostdeckOptions } from '../../../src-main/core/hostdeck';
import { createHostdeck } from '../../../src-main/core/hostdeck';
import { CONTENT_SECURITY_POLICY } from '../../../src-main/shell/trust';

export interface Bridge {
  url: string;
  hostdeck: Hostdeck;
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

export async function startBridge(opts: {
  dataDir: string;
  rendererDir: string;
  services?: Partial<HostdeckOptions>;
}): Promise<Bridge> {
  const hostdeck = createHostdeck({
    dataDir: opts.dataDir,
    version: 'e2e',
    runtime: 'node (e2e bridge)',
    ...opts.services,
  });
  const root = normalize(opts.rendererDir);

  const http = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
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
  wss.on('connection', (socket) => {
    const stop = hostdeck.events.listen((name, payload) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ t: 'event', name, payload }));
    });
    socket.on('close', stop);
    socket.on('message', (data) => {
      let msg: { t?: string; id?: number; command?: unknown; input?: unknown };
      try {
        msg = JSON.parse(String(data)) as typeof msg;
      } catch {
        return;
      }
      if (msg.t !== 'call') return;
      void hostdeck.router.dispatch(msg.command, msg.input, { actor: 'test-bridge' }).then((result) => {
        if (socket.readyState === socket.OPEN)
          socket.send(JSON.stringify({ t: 'result', id: msg.id, result }));
      });
    });
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    hostdeck,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await hostdeck.close();
    },
  };
}
