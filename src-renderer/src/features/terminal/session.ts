import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { api, errorText } from '../../api/client';
import { PacedWriter } from './pacedWriter';
import { capRendering } from './renderCap';
import { attach } from './sessions';
import { hardwareWebgl } from './webglSupport';

export interface SessionTarget {
  serverId: string;
  /** Open in this site's directory as its tenant's user. */
  siteId?: string | undefined;
}

/** What a session tells the tab that shows it. */
export interface SessionEvents {
  title(title: string): void;
  /** Why the shell is gone (null once it is back). */
  banner(text: string | null): void;
  /** Ctrl+Shift+F: open the find box. */
  find(): void;
}

/**
 * One xterm bound to one SSH shell, owned by the window (the terminal store), not by the view: its
 * element is attached where the view shows it and detached when the operator leaves the section,
 * while the shell, the output and the scrollback carry on. Keeps its scrollback across reconnects.
 * `dispose` is the one place its shell, writer, renderer and subscription are released.
 */
export class TerminalSession {
  /** The element xterm draws into; tests find it by data-testid and data-session. */
  readonly host: HTMLDivElement;
  private term: Terminal | null = null;
  private fit: FitAddon | null = null;
  private search: SearchAddon | null = null;
  private writer: PacedWriter | null = null;
  private release: Array<() => void> = [];
  private detachSink: (() => void) | null = null;
  private sessionId: string | null = null;
  // Keystrokes typed while the shell is (re)connecting wait here instead of being lost.
  private queued = '';
  private disposed = false;

  constructor(
    private readonly target: SessionTarget,
    private readonly on: SessionEvents,
  ) {
    this.host = document.createElement('div');
    this.host.className = 'terminal-host';
    this.host.dataset.testid = 'terminal';
  }

  /** Shows the terminal in `slot`; the first time, xterm starts and the shell opens. */
  mount(slot: HTMLElement): void {
    slot.appendChild(this.host);
    if (!this.term && !this.disposed) this.start();
  }

  /** Takes the terminal off the page; the shell keeps running and output keeps arriving. */
  unmount(): void {
    this.host.remove();
  }

  /** The tab became the one shown: fit it to its box and give it the keyboard. */
  show(): void {
    this.fit?.fit();
    this.term?.focus();
  }

  findNext(query: string): void {
    this.search?.findNext(query);
  }

  /** Opens the shell (again, after a drop); what was typed meanwhile is sent once it is open. */
  async connect(): Promise<void> {
    const term = this.term;
    if (!term || this.disposed) return;
    this.on.banner(null);
    try {
      const { sessionId } = await api.call('terminal.open', {
        serverId: this.target.serverId,
        cols: term.cols,
        rows: term.rows,
        ...(this.target.siteId ? { siteId: this.target.siteId } : {}),
      });
      if (this.disposed) {
        void api.call('terminal.close', { sessionId }).catch(() => undefined);
        return;
      }
      this.sessionId = sessionId;
      if (this.queued) {
        const data = this.queued;
        this.queued = '';
        void api.call('terminal.write', { sessionId, data }).catch(() => undefined);
      }
      this.host.setAttribute('data-session', sessionId);
      // Acknowledged only once xterm has parsed it: this is what paces the SSH channel.
      this.writer?.dispose();
      const writer = new PacedWriter(
        (data, parsed) => term.write(data, parsed),
        (units) => void api.call('terminal.ack', { sessionId, units }).catch(() => undefined),
      );
      this.writer = writer;
      this.detachSink?.();
      this.detachSink = attach(sessionId, {
        data: (text) => {
          window.__hostdeckTerminalTap?.(sessionId, text);
          writer.push(text);
        },
        closed: (e) => {
          if (this.sessionId !== sessionId) return;
          this.sessionId = null;
          if (e.reason !== 'closed') this.on.banner(`${e.message} Scrollback is kept.`);
        },
      });
    } catch (err) {
      this.on.banner(`Could not open a shell: ${errorText(err)}`);
    }
  }

  /** Closes the shell and frees xterm: the tab is closed, or the window's session ended (lock). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.sessionId) void api.call('terminal.close', { sessionId: this.sessionId }).catch(() => undefined);
    this.sessionId = null;
    this.detachSink?.();
    this.writer?.dispose();
    for (const release of this.release.splice(0).reverse()) release();
    this.term?.dispose();
    this.host.remove();
  }

  private start(): void {
    const el = this.host;
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
    this.release.push(() => cap.dispose());
    el.dataset.renderCap = cap.installed ? 'on' : 'off';
    this.term = term;
    this.fit = fit;
    this.search = search;
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

    term.onData((data) => {
      const id = this.sessionId;
      if (id) void api.call('terminal.write', { sessionId: id, data }).catch(() => undefined);
      else this.queued = (this.queued + data).slice(-65_536);
    });
    const showSize = () => {
      el.dataset.cols = String(term.cols);
      el.dataset.rows = String(term.rows);
    };
    showSize();
    term.onResize(({ cols, rows }) => {
      showSize();
      const id = this.sessionId;
      if (id) void api.call('terminal.resize', { sessionId: id, cols, rows }).catch(() => undefined);
    });
    term.onTitleChange((title) => this.on.title(title));
    term.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
      if (e.code === 'KeyC' && term.hasSelection()) void navigator.clipboard.writeText(term.getSelection());
      else if (e.code === 'KeyV') void navigator.clipboard.readText().then((t) => term.paste(t));
      else if (e.code === 'KeyF') this.on.find();
      else return true;
      return false;
    });
    // Detached (another section is shown), the box has no size: fit only while it is on the page.
    const resize = new ResizeObserver(() => {
      if (el.isConnected) fit.fit();
    });
    resize.observe(el);
    this.release.push(() => resize.disconnect());
    // Opened from a callback: the session answers asynchronously and updates its tab when it does.
    void Promise.resolve().then(() => this.connect());
  }
}
