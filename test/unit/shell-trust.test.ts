import { readFileSync } from 'node:fs';
import { posix, resolve, win32 } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  allowPermission,
  CONTENT_SECURITY_POLICY,
  isTrustedSender,
  openExternalAfterAsking,
  resolveRendererPath,
} from '../../src-main/shell/trust';

const directives = (csp: string) =>
  new Map(
    csp
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name = '', ...values] = d.split(/\s+/);
        return [name, values] as const;
      }),
  );

describe('isTrustedSender', () => {
  it.each(['app://hostdeck/index.html', 'app://hostdeck/', 'app://hostdeck/#/jobs?x=1'])(
    'accepts the main frame of our own origin (%s)',
    (url) => {
      expect(isTrustedSender({ url, isMainFrame: true })).toBe(true);
    },
  );

  it('refuses a subframe even when it is on our own origin', () => {
    expect(isTrustedSender({ url: 'app://hostdeck/index.html', isMainFrame: false })).toBe(false);
  });

  it.each([
    'http://hostdeck/index.html',
    'https://hostdeck/index.html',
    'http://localhost:5173/',
    'file:///opt/Hostdeck/resources/app/out/renderer/index.html',
    'app://evil/index.html',
    'app://hostdeck.evil.com/',
    'app://hostdeck:8080/',
    'app://evil/app://hostdeck/',
    'about:blank',
    'data:text/html,<script>1</script>',
    'not a url',
    '',
  ])('refuses a main frame loaded from %j', (url) => {
    expect(isTrustedSender({ url, isMainFrame: true })).toBe(false);
  });

  it('refuses a missing frame (null or undefined)', () => {
    expect(isTrustedSender(null)).toBe(false);
    expect(isTrustedSender(undefined)).toBe(false);
  });
});

describe('resolveRendererPath', () => {
  const root = '/opt/hostdeck/out/renderer';
  const map = (url: string) => resolveRendererPath(root, url, posix.join);

  it('maps / to index.html', () => {
    expect(map('app://hostdeck/')).toBe(`${root}/index.html`);
  });

  it('maps an asset path under the renderer directory', () => {
    expect(map('app://hostdeck/assets/index-abc123.js')).toBe(`${root}/assets/index-abc123.js`);
  });

  it.each([
    'app://hostdeck/..%2f..%2fetc%2fpasswd',
    'app://hostdeck/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    'app://hostdeck/assets/..%2F..%2F..%2Fhome%2Fop%2F.ssh%2Fid_ed25519',
  ])('refuses encoded ../ traversal (%s)', (url) => {
    expect(map(url)).toBeNull();
  });

  it('never resolves a literal ../ outside the renderer directory', () => {
    // The URL parser already folds literal dot segments; whatever comes out must stay inside.
    for (const url of ['app://hostdeck/../../etc/passwd', 'app://hostdeck/%2e%2e/%2e%2e/etc/passwd']) {
      const file = map(url);
      expect(file === null || file.startsWith(`${root}/`), `${url} resolved to ${file}`).toBe(true);
    }
  });

  it('refuses a NUL byte in the path', () => {
    expect(map('app://hostdeck/index.html%00.png')).toBeNull();
  });

  it('refuses a malformed percent-encoding', () => {
    expect(map('app://hostdeck/%E0%A4%A')).toBeNull();
  });

  it.each(['app://evil/index.html', 'app://hostdeck.evil/index.html', 'app://localhost/index.html'])(
    'refuses another host (%s)',
    (url) => {
      expect(map(url)).toBeNull();
    },
  );

  it('keeps a path with leading slashes under the renderer directory', () => {
    expect(map('app://hostdeck//etc/passwd')).toBe(`${root}/etc/passwd`);
  });

  // Regression (fixed): src-main/shell/trust.ts resolveRendererPath (lines 45 and 48): the '..' check splits on '/'
  // only, and the containment check is a bare string prefix (`full.startsWith(rendererDir)`) without a
  // separator. With Windows paths, %5c (backslash) makes "..\renderer-evil\secret.txt" a single
  // segment; win32.join resolves it to C:\app\renderer-evil\secret.txt, which starts with
  // "C:\app\renderer" and is served. Hostdeck supports win32 (src-main/cli/data-dir.ts).
  it('refuses a backslash traversal into a sibling directory on Windows paths', () => {
    const winRoot = 'C:\\Program Files\\Hostdeck\\resources\\app\\out\\renderer';
    const file = resolveRendererPath(winRoot, 'app://hostdeck/..%5crenderer-evil%5csecret.txt', win32.join);
    expect(file === null || file.startsWith(`${winRoot}\\`), `resolved to ${file}`).toBe(true);
  });

  it('refuses a backslash traversal out of the renderer directory on Windows paths', () => {
    const winRoot = 'C:\\Hostdeck\\out\\renderer';
    const file = resolveRendererPath(winRoot, 'app://hostdeck/..%5c..%5c..%5cWindows%5cwin.ini', win32.join);
    expect(file === null || file.startsWith(`${winRoot}\\`), `resolved to ${file}`).toBe(true);
  });
});

describe('Content-Security-Policy', () => {
  it('denies by default and allows no inline or eval script', () => {
    const csp = directives(CONTENT_SECURITY_POLICY);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
  });

  it("keeps the renderer's meta CSP free of unsafe-inline / unsafe-eval and default-deny", () => {
    const html = readFileSync(resolve(__dirname, '../../src-renderer/index.html'), 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html);
    expect(meta, 'index.html has a CSP meta tag').not.toBeNull();
    const content = meta?.[1] ?? '';
    expect(content).not.toContain('unsafe-inline');
    expect(content).not.toContain('unsafe-eval');
    expect(directives(content).get('default-src')).toEqual(["'none'"]);
    expect(directives(content).get('script-src')).toEqual(["'self'"]);
  });
});

describe('window permissions', () => {
  it('grants clipboard access to the app origin and nothing else', () => {
    expect(allowPermission('clipboard-read', 'app://hostdeck/index.html')).toBe(true);
    expect(allowPermission('clipboard-sanitized-write', 'app://hostdeck/')).toBe(true);
    expect(allowPermission('clipboard-read', 'https://evil.example/')).toBe(false);
    expect(allowPermission('media', 'app://hostdeck/')).toBe(false);
    expect(allowPermission('geolocation', 'app://hostdeck/')).toBe(false);
    expect(allowPermission('clipboard-read', undefined)).toBe(false);
  });
});

describe('opening a link from the window', () => {
  const run = async (url: string, answer: boolean) => {
    const asked: string[] = [];
    const opened: string[] = [];
    const result = await openExternalAfterAsking(
      url,
      async (full) => {
        asked.push(full);
        return answer;
      },
      async (full) => {
        opened.push(full);
      },
    );
    return { result, asked, opened };
  };

  it('shows the whole URL and opens it only when the operator says yes', async () => {
    const url = 'https://example.com/a/very/long/path?with=query#and-fragment';
    expect(await run(url, true)).toEqual({ result: 'opened', asked: [url], opened: [url] });
    expect(await run(url, false)).toEqual({ result: 'declined', asked: [url], opened: [] });
  });

  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'ssh://root@host',
    'https://user:pw@example.com/',
    'not a url',
  ])('refuses %j without asking', async (url) => {
    expect(await run(url, true)).toEqual({ result: 'refused', asked: [], opened: [] });
  });
});
