import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { api, errorText } from '../../api/client';
import { PacedWriter } from './pacedWriter';
import { capRendering } from './renderCap';
import { attach } from './sessions';
import { hardwareWebgl } from './webglSupport';

interface Props {
  serverId: string;
  /** Open in this site's directory as its tenant's user. */
  siteId?: string | undefined;
  active: boolean;
  onTitle(title: string): void;
}

/** One xterm bound to one SSH shell; keeps its scrollback across reconnects. */
export function TerminalTab({ serverId, siteId, active, onTitle }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const fitRef = useRef<FitAddon | null>(null);
  const searchRef = useRef<SearchAddon | null>(null);
  const sessionRef = useRef<string | null>(null);
  const writerRef = useRef<PacedWriter | null>(null);
  // Keystrokes typed while the shell is (re)connecting wait here instead of being lost.
  const queued = useRef<string>('');
  const [banner, setBanner] = useState<string | null>(null);
  const [query, setQuery] = useState<string | null>(null);

  const connect = async () => {
    const term = termRef.current;
    if (!term) return;
    try {
      const { sessionId } = await api.call('terminal.open', {
        serverId,
        cols: term.cols,
        rows: term.rows,
        ...(siteId ? { siteId } : {}),
      });
      sessionRef.current = sessionId;
      if (queued.current) {
        const data = queued.current;
        queued.current = '';
        void api.call('terminal.write', { sessionId, data }).catch(() => undefined);
      }
      host.current?.setAttribute('data-session', sessionId);
      // Acknowledged only once xterm has parsed it: this is what paces the SSH channel.
      const writer = new PacedWriter(
        (data, parsed) => term.write(data, parsed),
        (units) => void api.call('terminal.ack', { sessionId, units }).catch(() => undefined),
      );
      writerRef.current = writer;
      attach(sessionId, {
        data: (text) => {
          window.__hostdeckTerminalTap?.(sessionId, text);
          writer.push(text);
        },
        closed: (e) => {
          if (sessionRef.current !== sessionId) return;
          sessionRef.current = null;
          if (e.reason !== 'closed') setBanner(`${e.message} Scrollback is kept.`);
        },
      });
    } catch (err) {
      setBanner(`Could not open a shell: ${errorText(err)}`);
    }
  };

  useEffect(() => {
    const el = host.current!;
    const term = new Terminal({
      cursorBlink: true,
      scrollback: 10_000,
      fontFamily: 'ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace',
      fontSize: 13,
      allowProposedApi: true,
    });
    const fit = new FitAddon();
    const search = new SearchAddon();
    term.loadAddon(fit);
    term.loadAddon(search);
    term.loadAddon(new WebLinksAddon((_e, uri) => window.open(uri, '_blank', 'noopener')));
    term.open(el);
    // WebGL when the machine has it; xterm's DOM renderer otherwise, and after a lost context.
    el.dataset.renderer = 'dom';
    try {
      if (!hardwareWebgl()) throw new Error('software WebGL only');
      const webgl = new WebglAddon();
      webgl.onContextLoss(() => {
        webgl.dispose();
        el.dataset.renderer = 'dom';
      });
      term.loadAddon(webgl);
      el.dataset.renderer = 'webgl';
    } catch {
      // no (hardware) WebGL here: the DOM renderer is faster than a software rasteriser
    }
    fit.fit();
    // At most one repaint per 50 ms while output streams (see renderCap).
    const cap = capRendering(term, 50);
    el.dataset.renderCap = cap.installed ? 'on' : 'off';
    termRef.current = term;
    if (window.__hostdeckTerminalTap) {
      // Test hooks only: let a test read the buffer (the WebGL renderer draws text on a canvas) and
      // count repaints.
      const hooks = el as HTMLElement & { readBuffer?: () => string; renders?: () => number };
      hooks.readBuffer = () => {
        const b = term.buffer.active;
        const lines: string[] = [];
        for (let i = 0; i < b.length; i++) lines.push(b.getLine(i)?.translateToString(true) ?? '');
        return lines.join('\n');
      };
      let renders = 0;
      term.onRender(() => (renders += 1));
      hooks.renders = () => renders;
    }
    fitRef.current = fit;
    searchRef.current = search;

    term.onData((data) => {
      const id = sessionRef.current;
      if (id) void api.call('terminal.write', { sessionId: id, data }).catch(() => undefined);
      else queued.current = (queued.current + data).slice(-65_536);
    });
    const showSize = () => {
      el.dataset.cols = String(term.cols);
      el.dataset.rows = String(term.rows);
    };
    showSize();
    term.onResize(({ cols, rows }) => {
      showSize();
      const id = sessionRef.current;
      if (id) void api.call('terminal.resize', { sessionId: id, cols, rows }).catch(() => undefined);
    });
    term.onTitleChange(onTitle);
    term.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
      if (e.code === 'KeyC' && term.hasSelection()) void navigator.clipboard.writeText(term.getSelection());
      else if (e.code === 'KeyV') void navigator.clipboard.readText().then((t) => term.paste(t));
      else if (e.code === 'KeyF') setQuery('');
      else return true;
      return false;
    });
    const resize = new ResizeObserver(() => fit.fit());
    resize.observe(el);
    // Opened from a callback: the session answers asynchronously and updates state when it does.
    void Promise.resolve().then(connect);
    return () => {
      resize.disconnect();
      if (sessionRef.current)
        void api.call('terminal.close', { sessionId: sessionRef.current }).catch(() => undefined);
      writerRef.current?.dispose();
      cap.dispose();
      term.dispose();
    };
    // connect/onTitle are stable for the tab's life; the terminal is created once per tab.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [serverId]);

  useEffect(() => {
    if (active) {
      fitRef.current?.fit();
      termRef.current?.focus();
    }
  }, [active]);

  return (
    <div className="terminal-tab" hidden={!active}>
      {banner && (
        <div className="terminal-banner" role="alert">
          <span>{banner}</span>
          <button
            type="button"
            className="primary"
            onClick={() => {
              setBanner(null);
              void connect();
            }}
          >
            Reconnect
          </button>
        </div>
      )}
      {query !== null && (
        <form
          className="terminal-search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            searchRef.current?.findNext(query);
          }}
        >
          <input
            aria-label="Find in terminal"
            value={query}
            autoFocus
            onChange={(e) => setQuery(e.target.value)}
          />
          <button type="submit">Find next</button>
          <button type="button" onClick={() => setQuery(null)}>
            Close
          </button>
        </form>
      )}
      <div ref={host} className="terminal-host" data-testid="terminal" />
    </div>
  );
}
