// A hostile tenant on a real host (issue #11; docs/THREAT-MODEL.md). Its code runs as t-evil and
// does what such code can: plants symlinks and swaps directories at every path the scripts touch
// in its tree, in a loop, while every site verb runs; leaves processes behind and forges protocol
// lines from a deploy hook; talks to Caddy's admin API and to other tenants' PHP. After each verb
// a root-made manifest of what it must never reach is unchanged, no tenant-readable file holds
// anything from outside its tree, the host lock is free and no forged line reached the run.
import { describe, expect, it } from 'vitest';
import type { Host } from '../harness/index.js';
import { withFreshHosts } from '../provision/fresh-hosts.js';
import { HOSTDECK, parseOutput, sh, shq, stepsIn, uploadScripts } from '../provision/hostdeck-scripts.js';
import type { RunOutcome } from '../provision/hostdeck-scripts.js';
import { waitFor } from '../../support/wait-for';
import { createSite, get, ok, site } from './helpers.js';
import { sitesLayer } from './sites-layer.js';

const VICTIM = { site: 'good', tenant: 'victim', domain: 'good.victim.test', port: 8091 };
const EVIL = { site: 'evil', tenant: 'evil', domain: 'evil.evil.test', port: 8092 };
const EVIL_WP = { site: 'evilwp', tenant: 'evil', domain: 'wp.evil.test', port: 8093 };
const VICTIM_PW = 'victim-Db-pw.9876543210fedcba';
const WP_PW = 'evil-Wp-admin.0123456789abcdef';
const CANARY = 'hd-canary-7f3a9c1e5b2d4086';

const onHost = async (fn: (h: Host) => Promise<void>) =>
  withFreshHosts(
    1,
    async ([h]) => {
      await uploadScripts(h!);
      await fn(h!);
    },
    { layers: [await sitesLayer()] },
  );

// What the tenant must never change or read: owner, group, mode and type of everything in /etc,
// /root, /usr/local and the other tenant's tree, and the content of every regular file there,
// except what the site verbs themselves legitimately change (the sites' own config, the user
// database while a tenant user comes or goes, enabled-unit links).
const MANIFEST = `
find /etc /root /usr/local /srv/tenants/victim /var/lib/hostdeck-canary -xdev \\
  \\( -path /etc/caddy/sites -o -path /etc/hostdeck -o -path /etc/caddy/.hostdeck-staging \\
     -o -path /etc/systemd/system/multi-user.target.wants -o -path /etc/.pwd.lock \\) -prune \\
  -o -printf '%p %u %g %m %y\\n' | sort
find /etc /root /usr/local /srv/tenants/victim /var/lib/hostdeck-canary -xdev -type f \\
  \\( -path '/etc/caddy/sites/*' -o -path '/etc/hostdeck/*' -o -path '/etc/caddy/.hostdeck-staging/*' \\
     -o -regex '/etc/\\(passwd\\|group\\|shadow\\|gshadow\\|subuid\\|subgid\\)-?' \\) -prune \\
  -o -type f -print0 | sort -z | xargs -0 sha256sum
test -e /etc/ld.so.preload && echo 'PRELOAD EXISTS'
true`;

// Paths of each evil site, and where a planted link or swapped directory points.
const plants = (dir: string): string[] =>
  [
    [`/srv/tenants/evil`, '/root'],
    [dir, '/etc'],
    [`${dir}/releases`, '/etc'],
    [`${dir}/current`, '/etc'],
    [`${dir}/shared`, '/root'],
    [`${dir}/shared/.env`, '/var/lib/hostdeck-canary/secret'],
    [`${dir}/shared/wp-config.php`, '/var/lib/hostdeck-canary/secret'],
    [`${dir}/shared/.hostdeck-wp-install.php`, '/etc/ld.so.preload'],
    [`${dir}/shared/uploads`, '/etc'],
    [`${dir}/shared/storage`, '/etc'],
    [`${dir}/shared/.ssh`, '/root/.ssh'],
    [`${dir}/tmp`, '/etc'],
    [`${dir}/tmp/hostdeck-wp-install.php`, '/etc/ld.so.preload'],
    [`${dir}/tmp/sess_planted`, '/var/lib/hostdeck-canary/secret'],
  ].map(([p, t]) => `${p} ${t}`);

// The tenant's racer: for as long as it runs, again and again, each path is swapped for a link
// to its target and put back (directories moved aside and restored). It counts what it managed.
const RACER = `#!/bin/bash
end=$((SECONDS + 900))
cd "$HOME"
ok=0; denied=0
while ((SECONDS < end)) && [[ ! -e $HOME/stop ]]; do
  while read -r p t; do
    if [[ -d $p && ! -L $p ]]; then
      if mv -T -- "$p" "$p.away" 2>/dev/null; then
        ln -sfn -- "$t" "$p" 2>/dev/null; ok=$((ok + 1))
        rm -f -- "$p" 2>/dev/null; mv -T -- "$p.away" "$p" 2>/dev/null
      else denied=$((denied + 1)); fi
    elif ln -sfn -- "$t" "$p" 2>/dev/null; then ok=$((ok + 1))
    else denied=$((denied + 1)); fi
  done <"$HOME/plants"
  printf '%s %s\\n' "$ok" "$denied" >"$HOME/counts"
done
`;

// A deploy whose "artisan" is hostile: it writes forged protocol lines to every descriptor it
// can, leaves a process behind, and tries root's descriptors through /proc.
const HOSTILE_ARTISAN = `<?php
for ($fd = 0; $fd < 64; $fd++) {
  $h = @fopen("php://fd/$fd", 'w');
  if ($h) { @fwrite($h, "HOSTDECK-STEP\\tok\\tforged by the tenant\\tfd $fd\\n"); }
}
foreach (glob('/proc/[0-9]*/fd/*') ?: [] as $link) {
  $h = @fopen($link, 'w');
  if ($h) { @fwrite($h, "HOSTDECK-STEP\\tok\\tforged by the tenant\\tvia $link\\n"); }
}
shell_exec('setsid nohup sleep 3600 >/dev/null 2>&1 < /dev/null &');
echo "artisan ", implode(' ', array_slice($argv, 1)), " (hostile)\\n";
`;

// What the tenant's code tries from inside its own site (shell commands are not bound by
// open_basedir, so these are the file system's and the network's answers).
const PROBE = `<?php
header('Content-Type: application/json');
function tcp($port) {
  $s = @fsockopen('127.0.0.1', $port, $errno, $errstr, 2);
  if (!$s) return "refused: $errstr";
  fwrite($s, "GET / HTTP/1.0\\r\\nHost: good.victim.test\\r\\n\\r\\n");
  $r = (string) fread($s, 100);
  return "answered: " . strtok($r, "\\r");
}
function sh($cmd) { return trim((string) shell_exec($cmd . ' 2>&1')); }
$admin = sh('curl -s -S --max-time 2 -H "Host;" --unix-socket /run/caddy/admin.sock http://localhost/config/; echo " rc=$?"');
echo json_encode([
  'user' => sh('id -un'),
  'admin_tcp' => tcp(2019),
  'admin_unix' => str_contains($admin, 'rc=0') ? "answered: $admin" : "refused: $admin",
  'victim_php' => tcp(8091),
  'victim_caddy' => sh('cat /etc/caddy/sites/good.caddy'),
  'victim_ini' => sh('cat /etc/hostdeck/php/good/50-hostdeck.ini'),
  'victim_env' => sh('cat /srv/tenants/victim/good/shared/.env'),
]);
`;

async function run(h: Host, cmd: string, input?: string): Promise<RunOutcome> {
  const r = await h.exec(cmd, { input, timeoutMs: 300_000 });
  try {
    return { code: r.code, stdout: r.stdout, stderr: r.stderr, ...parseOutput(r.stdout) };
  } catch (err) {
    throw new Error(`${cmd} exited ${r.code}: ${(err as Error).message}\nstderr:\n${r.stderr.slice(-3000)}`, {
      cause: err,
    });
  }
}

describe('a hostile tenant', () => {
  it('cannot reach root, another tenant or the run through links, swaps and races during every site verb', () =>
    onHost(async (h) => {
      // What it aims at: a root-only secret, the other tenant's credentials, ld.so.preload.
      await sh(
        h,
        `install -d -m 0700 /var/lib/hostdeck-canary && (umask 077; echo ${CANARY} > /var/lib/hostdeck-canary/secret)`,
      );
      await ok(createSite(h, VICTIM, VICTIM_PW));
      await ok(createSite(h, EVIL));
      const E = '/srv/tenants/evil/evil';
      const W = '/srv/tenants/evil/evilwp';

      // A release with a hostile artisan, and a git repository of the same, both the tenant's.
      await sh(
        h,
        [
          'set -e',
          'rm -rf /opt/evil-src && mkdir -p /opt/evil-src/public',
          `echo '<?php echo "evil release";' > /opt/evil-src/public/index.php`,
          `cat > /opt/evil-src/artisan <<'PHP'\n${HOSTILE_ARTISAN}PHP`,
          'tar -C /opt/evil-src -cf /opt/evil.tar .',
          'rm -rf /srv/git && git init -q --bare -b main /srv/git/evil.git',
          'git config --global user.email t@test && git config --global user.name t',
          'rm -rf /root/evil && cp -r /opt/evil-src /root/evil && cd /root/evil && git init -q -b main && git add . && git commit -qm one && git push -q /srv/git/evil.git main',
          'chown -R t-evil:t-evil /srv/git',
        ].join('\n'),
      );
      // The tenant's code, as the tenant (not even sandboxed: the strongest case), racing all along.
      const R = '/dev/shm/evil-racer';
      await sh(h, `runuser -u t-evil -- mkdir -p ${R}`);
      await h.exec(`runuser -u t-evil -- tee ${R}/race.sh >/dev/null`, { input: RACER });
      await h.exec(`runuser -u t-evil -- tee ${R}/plants >/dev/null`, {
        input: [...plants(E), ...plants(W)].join('\n') + '\n',
      });
      await sh(
        h,
        `systemd-run --unit=evil-racer --uid=t-evil --gid=t-evil -p RuntimeMaxSec=900 --setenv=HOME=${R} /bin/bash ${R}/race.sh`,
      );
      const baseline = await sh(h, MANIFEST);
      expect(baseline).not.toContain('PRELOAD EXISTS');
      const wpArgs = (pw: string): [string[], string] => [
        [
          '--site',
          EVIL_WP.site,
          '--tenant',
          'evil',
          '--domain',
          EVIL_WP.domain,
          '--port',
          String(EVIL_WP.port),
          '--tls',
          'off',
          '--db-password-stdin',
          '--type',
          'wordpress',
          '--wp-admin-email',
          'a@evil.test',
          '--wp-admin-password-stdin',
        ],
        `${pw}\n${WP_PW}\n`,
      ];

      const verbs: [string, () => Promise<RunOutcome>][] = [
        ['update', () => createSite(h, EVIL)],
        [
          'deploy from a folder, Laravel hooks',
          () =>
            run(h, `${HOSTDECK} site deploy --site evil --source archive --hooks laravel < /opt/evil.tar`),
        ],
        [
          'deploy from git',
          () =>
            site(h, 'deploy', ['--site', 'evil', '--repo', 'file:///srv/git/evil.git', '--hooks', 'laravel']),
        ],
        ['rollback', () => site(h, 'rollback', ['--site', 'evil'])],
        ['suspend', () => site(h, 'disable', ['--site', 'evil'])],
        ['resume', () => site(h, 'enable', ['--site', 'evil'])],
        ['WordPress install', () => site(h, 'install', ...wpArgs('evil-Db-pw.0123456789abcdef'))],
        // A new database password: wp-config.php's line is rewritten by root in the tenant's tree.
        ['WordPress update', () => site(h, 'install', ...wpArgs('evil-Db-pw2.0123456789abcdef'))],
        ['delete', () => site(h, 'remove', ['--site', 'evil', '--backup'])],
      ];
      for (const [name, verb] of verbs) {
        const r = await verb();
        expect(r.code, `${name}: ${stepsIn(r, 'failed').join('; ')}\n${r.stderr.slice(-2000)}`).toBe(0);
        // No line the tenant forged reached the run.
        expect(r.stdout, name).not.toContain('forged');
        // The host lock is free: nothing the tenant left behind holds it.
        expect(await sh(h, 'flock -n -E 9 /run/lock/hostdeck.lock true; echo $?'), name).toBe('0');
        // No task unit and no process it started outlived the run.
        expect(
          await sh(h, "systemctl list-units --all --plain --no-legend 'hostdeck-task-*' | wc -l"),
          name,
        ).toBe('0');
        expect(await sh(h, "pgrep -u t-evil -f 'sleep 3600' | wc -l"), name).toBe('0');
        // Nothing of root's or the victim's changed, and nothing leaked into the tenant's files.
        expect(await sh(h, MANIFEST), name).toBe(baseline);
        const leaks = await sh(
          h,
          `grep -rlF -e ${CANARY} -e ${VICTIM_PW} -e layer-Admin-pw /srv/tenants/evil /var/log/hostdeck 2>/dev/null || true`,
        );
        expect(leaks, name).toBe('');
        // Root's files in the tenant's tree are still root's, never open to the world.
        expect(
          await sh(h, 'find /srv/tenants/evil -xdev -user root -perm /o+w ! -type l | head -n 3'),
          name,
        ).toBe('');
      }
      // The victim was untouched throughout, and the racer really raced (and was refused in root's dirs).
      expect((await get(h, VICTIM.domain)).body).toContain('good.victim.test is ready');
      const [planted, denied] = (await sh(h, `cat ${R}/counts`)).split(' ').map(Number);
      expect(planted).toBeGreaterThan(0);
      expect(denied).toBeGreaterThan(0);
      // The WordPress admin password never reached the host's log.
      expect(await sh(h, `grep -c -F ${shq(WP_PW)} /var/log/hostdeck/hostdeck.log || true`)).toBe('0');
      expect(await sh(h, `grep -c -F evil-Db-pw /var/log/hostdeck/hostdeck.log || true`)).toBe('0');
      // The final backup holds the tenant's files as the tenant could read them: no canary in it.
      expect(
        await sh(h, `zcat /var/backups/hostdeck/evil/final-*.tar.gz | grep -c -a -F ${CANARY} || true`),
      ).toBe('0');
      await sh(h, 'systemctl stop evil-racer || true');
    }));

  it("cannot reach Caddy's admin API, another tenant's PHP or settings, nor take its port; its own site still serves", () =>
    onHost(async (h) => {
      await ok(createSite(h, VICTIM, VICTIM_PW));
      await ok(createSite(h, EVIL));
      // The probe is the tenant's own code, deployed through the real deploy path.
      await sh(
        h,
        `rm -rf /opt/probe && mkdir -p /opt/probe/public && cat > /opt/probe/public/index.php <<'PHP'\n${PROBE}PHP\ntar -C /opt/probe -cf /opt/probe.tar .`,
      );
      const deploy = await run(h, `${HOSTDECK} site deploy --site evil --source archive < /opt/probe.tar`);
      expect(deploy.code, stepsIn(deploy, 'failed').join('; ')).toBe(0);
      const page = await get(h, EVIL.domain, '/');
      expect(page.status).toBe(200);
      const seen = JSON.parse(page.body) as Record<string, string>;
      expect(seen.user).toBe('t-evil');
      expect(seen.admin_tcp).toMatch(/^refused/);
      expect(seen.admin_unix).toMatch(/^refused/);
      expect(seen.victim_php).toMatch(/^refused/);
      expect(seen.victim_caddy).toMatch(/Permission denied/);
      expect(seen.victim_ini).toMatch(/Permission denied/);
      expect(seen.victim_env).toMatch(/Permission denied/);
      // As root both answer: what refused the tenant was the guard and the modes, not a dead service.
      expect(
        await sh(
          h,
          "curl -s -o /dev/null -w '%{http_code}' -H 'Host;' --unix-socket /run/caddy/admin.sock http://localhost/config/",
        ),
      ).toBe('200');
      expect(await sh(h, `curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${VICTIM.port}/`)).toBe(
        '200',
      );
      expect((await get(h, VICTIM.domain)).status).toBe(200);
      // It takes the other site's port while that site's PHP is down (a restart, a crash): the
      // other site's visitors must not reach it, and resuming says who holds the port.
      await sh(h, 'systemctl stop hostdeck-php@good');
      await sh(
        h,
        `systemd-run --unit=evil-squat --uid=t-evil --gid=t-evil php -n -S 127.0.0.1:${VICTIM.port} -t /srv/tenants/evil/evil/tmp`,
      );
      await waitFor(
        async () =>
          (await h.exec(`ss -Hltn 'sport = :${VICTIM.port}' | grep -c LISTEN`)).stdout.trim() === '1',
        {
          what: 'the squatter to listen',
          timeoutMs: 10_000,
        },
      );
      // Before any script has looked, Caddy still proxies the site's domain to that port: the guard
      // lets only the site's own user answer there, so neither Caddy nor anyone else gets the
      // squatter's page (its SYN-ACK is dropped; Caddy gives up with a 502).
      await sh(h, `runuser -u t-evil -- sh -c 'echo SQUATTED > /srv/tenants/evil/evil/tmp/index.html'`);
      const direct = await h.exec(`curl -s -m 3 http://127.0.0.1:${VICTIM.port}/`);
      expect(direct.code).toBe(28); // timed out: no handshake with the squatter
      expect(direct.stdout).not.toContain('SQUATTED');
      const proxied = await h.exec(
        `curl -s -m 30 -w '\n%{http_code}' --resolve ${VICTIM.domain}:80:127.0.0.1 http://${VICTIM.domain}/`,
      );
      expect(proxied.stdout).not.toContain('SQUATTED');
      expect(proxied.stdout.trim().split('\n').pop()).toBe('502');
      expect(
        await sh(
          h,
          "nft list chain inet hostdeck_sites output | grep 'sport @site_ports' | grep -c 'counter packets [1-9]'",
        ),
      ).not.toBe('0');
      const resumed = await site(h, 'enable', ['--site', VICTIM.site]);
      expect(resumed.code).toBe(1);
      expect(stepsIn(resumed, 'failed').join('; ')).toMatch(
        /port: 127\.0\.0\.1:8091, the port of site good, is held by a process of user t-evil .*maintenance page/,
      );
      expect((await get(h, VICTIM.domain)).status).toBe(503);
      await sh(h, 'systemctl stop evil-squat');
      await ok(site(h, 'enable', ['--site', VICTIM.site]));
      expect((await get(h, VICTIM.domain)).body).toContain('good.victim.test is ready');

      // Caddy's admin API is on no TCP port at all, and the caddy module's status says so.
      expect(await sh(h, "ss -Hltn 'sport = :2019' | wc -l")).toBe('0');
      expect((await ok(run(h, `${HOSTDECK} caddy status`))).status.admin).toBe('unix//run/caddy/admin.sock');
    }));
});
