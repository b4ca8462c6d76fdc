/**
 * Pure trust decisions for the Electron shell, kept free of electron imports so they are unit-tested.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'hostdeck';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** IPC is answered only for the main frame of our own window, loaded from our own origin. */
export function isTrustedSender(frame: { url: string; isMainFrame: boolean } | null | undefined): boolean {
  if (!frame || !frame.isMainFrame) return false;
  try {
    const url = new URL(frame.url);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * Maps an app:// request path to a file under the renderer directory, refusing anything that would
 * escape it (encoded ../, absolute paths, NUL).
 */
export function resolveRendererPath(
  rendererDir: string,
  requestUrl: string,
  join: (...p: string[]) => string,
) {
  const url = new URL(requestUrl);
  if (url.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  // Backslashes are separators on Windows: refuse them outright, with NUL and any '..' segment.
  if (pathname.includes('\0') || pathname.includes('\\') || pathname.split('/').some((seg) => seg === '..')) {
    return null;
  }
  const rel = pathname === '/' || pathname === '' ? 'index.html' : pathname.replace(/^\/+/, '');
  const full = join(rendererDir, rel);
  const inside = full.startsWith(`${rendererDir}/`) || full.startsWith(`${rendererDir}\\`);
  return inside ? full : null;
}

/** Permissions the window may have: clipboard access for the terminal, for our own origin only. */
export function allowPermission(permission: string, requestingUrl: string | undefined): boolean {
  const allowed = permission === 'clipboard-read' || permission === 'clipboard-sanitized-write';
  return allowed && isTrustedSender(requestingUrl ? { url: requestingUrl, isMainFrame: true } : null);
}

/**
 * A link the window wants to open outside (terminal output, a log line: untrusted text). Only
 * http(s) URLs are ever handed to the OS, and only after the operator saw the whole URL and said
 * yes: a link's text can differ from where it goes, and a lookalike host is easy to miss.
 */
export async function openExternalAfterAsking(
  url: string,
  ask: (fullUrl: string) => Promise<boolean>,
  open: (fullUrl: string) => Promise<void>,
): Promise<'opened' | 'declined' | 'refused'> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'refused';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'refused';
  if (parsed.username || parsed.password) return 'refused';
  const full = parsed.href;
  if (!(await ask(full))) return 'declined';
  await open(full);
  return 'opened';
}
