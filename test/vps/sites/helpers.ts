// Shared by the site tests: running the site module on a host and asking a site for a page.
import { expect } from 'vitest';
import type { Host } from '../harness/index.js';
import { hostdeck, shq, stepsIn } from '../provision/hostdeck-scripts.js';
import type { RunOutcome } from '../provision/hostdeck-scripts.js';

export const DB_PASSWORD = 'site-Db-pw.0123456789abcdef';

export interface SiteArgs {
  site: string;
  tenant: string;
  domain: string;
  port: number;
  extra?: string[];
}

export const installArgs = (s: SiteArgs): string[] => [
  '--site',
  s.site,
  '--tenant',
  s.tenant,
  '--domain',
  s.domain,
  '--port',
  String(s.port),
  '--tls',
  'off',
  '--db-password-stdin',
  ...(s.extra ?? []),
];

export const site = (h: Host, verb: string, args: string[], input?: string): Promise<RunOutcome> =>
  hostdeck(h, 'site', verb, args, { input, timeoutMs: 300_000 });

export const createSite = (h: Host, s: SiteArgs, password = DB_PASSWORD) =>
  site(h, 'install', installArgs(s), `${password}\n`);

export async function ok(run: Promise<RunOutcome>): Promise<RunOutcome> {
  const r = await run;
  expect(r.code, `${stepsIn(r, 'failed').join('; ')}\n${r.stderr.slice(-3000)}`).toBe(0);
  return r;
}

/** GET `path` through Caddy on the host itself, as a browser asking for `domain` would. */
export async function get(h: Host, domain: string, path = '/'): Promise<{ status: number; body: string }> {
  const r = await h.exec(
    `curl -s --max-time 10 -w '\\n%{http_code}' --resolve ${shq(`${domain}:80:127.0.0.1`)} ${shq(`http://${domain}${path}`)}`,
  );
  const i = r.stdout.lastIndexOf('\n');
  return { status: Number(r.stdout.slice(i + 1)), body: r.stdout.slice(0, i) };
}
