// One broken site file never takes the other sites down (#16): Caddy's guard, run before every
// start and reload, sets aside a site file that does not validate on its own, with the reason, and
// Caddy serves the rest, after a restart and after a reboot; updating the site writes it again; a
// site update finds Caddy down and starts it.
import { beforeAll, describe, expect, it } from 'vitest';
import { withFreshHosts } from '../provision/fresh-hosts.js';
import { sh, stepsIn, uploadScripts } from '../provision/hostdeck-scripts.js';
import { createSite, get, ok, site } from './helpers.js';
import { sitesLayer } from './sites-layer.js';

const SHOP = { site: 'shop', tenant: 'acme', domain: 'shop.acme.test', port: 8081 };
const BLOG = { site: 'blog', tenant: 'beta', domain: 'blog.beta.test', port: 8082 };

let layer = '';
beforeAll(async () => {
  layer = await sitesLayer();
}, 900_000);

describe('caddy guard', () => {
  it('sets a broken site file aside at start and at boot, serves the others, and takes it back on update', () =>
    withFreshHosts(
      1,
      async ([h]) => {
        const host = h!;
        await uploadScripts(host);
        await ok(createSite(host, SHOP));
        await ok(createSite(host, BLOG));
        expect((await get(host, SHOP.domain)).status).toBe(200);
        expect((await get(host, BLOG.domain)).body).toContain('blog');

        // A hand edit (a full disk, a bad restore) breaks blog's file; then Caddy restarts.
        await sh(host, "printf 'reverse_proxy {\\n  nonsense_directive\\n' >> /etc/caddy/sites/blog.caddy");
        const restarted = await host.exec('systemctl restart caddy');
        expect(restarted.code, restarted.stderr).toBe(0);
        expect(await sh(host, 'systemctl is-active caddy')).toBe('active');
        expect((await get(host, SHOP.domain)).status).toBe(200);
        expect((await get(host, BLOG.domain)).body).toContain('No site is configured for this name');
        expect(await sh(host, 'ls /etc/caddy/sites')).toBe('shop.caddy');
        expect(await sh(host, 'stat -c "%U %a" /var/lib/hostdeck/caddy/set-aside')).toBe('root 700');
        expect(await sh(host, 'journalctl -t hostdeck-caddy-guard --no-pager -o cat')).toMatch(
          /set aside \/etc\/caddy\/sites\/blog\.caddy \(it does not validate on its own: .+\); the other sites start/,
        );
        const status = (await ok(site(host, 'status', ['--site', BLOG.site]))).status;
        expect(status['caddy-set-aside']).toMatch(/^20\d\d-\S+Z .*(nonsense_directive|unrecognized|Error)/i);
        expect(status['drift']).toContain('caddy:set-aside');

        // Updating blog writes its file again, and it is served.
        const updated = await ok(createSite(host, BLOG));
        expect(stepsIn(updated, 'changed').join('\n')).toMatch(
          /caddy site blog set aside: the copy the guard had set aside is gone/,
        );
        expect((await get(host, BLOG.domain)).body).toContain('blog');
        expect((await ok(site(host, 'status', ['--site', BLOG.site]))).status['caddy-set-aside']).toBe('');

        // Broken again, then the host reboots: Caddy comes up with shop.
        await sh(host, "printf 'reverse_proxy {\\n' >> /etc/caddy/sites/blog.caddy");
        await host.reboot();
        await sh(
          host,
          'for i in $(seq 1 100); do systemctl is-active -q caddy && break; sleep 0.2; done; systemctl is-active caddy',
        );
        expect((await get(host, SHOP.domain)).status).toBe(200);
        expect((await get(host, BLOG.domain)).body).toContain('No site is configured for this name');

        // Caddy down (stopped by hand, or it failed): a site update starts it instead of failing
        // at the health check.
        await sh(host, 'systemctl stop caddy');
        const again = await ok(createSite(host, BLOG));
        expect(again.steps.map((x) => x.detail).join('\n')).toMatch(/caddy was down and is started/);
        expect(await sh(host, 'systemctl is-active caddy')).toBe('active');
        expect((await get(host, SHOP.domain)).status).toBe(200);
        expect((await get(host, BLOG.domain)).body).toContain('blog');
      },
      { layers: [layer] },
    ));
});
