// The frankenphp module on Debian 12 hosts: the binary checked against its SHA-256 and swapped in
// atomically, the hostdeck-php@.service template unit (one sandboxed process per site, as the
// site's user, on 127.0.0.1 only), and the lifecycle. The binary is the labelled stand-in from
// test/stand-ins/frankenphp (the real FrankenPHP cannot be downloaded here, see ENVIRONMENT.md):
// a bash script serving with Debian's `php -S`. Everything around it is real.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../harness/index.js';
import type { Host } from '../harness/index.js';
import { withFreshHosts } from './fresh-hosts.js';
import { hostdeck, sh, stepsIn, uploadScripts } from './hostdeck-scripts.js';
import type { RunOutcome } from './hostdeck-scripts.js';
import { phpCliLayer, STAND_IN, STAND_IN_SHA, UPLOAD_STAND_IN } from './frankenphp-helpers.js';
import { tcpProbe } from './probes.js';

const BIN = '/usr/local/bin/frankenphp';
const UNIT = '/etc/systemd/system/hostdeck-php@.service';
const GENERATOR = '/usr/local/lib/systemd/system-generators/hostdeck-php-generator';
const CHECK = '/usr/local/libexec/hostdeck/php-site-check';
const PORT = 8081;

let layer = '';
beforeAll(async () => {
  layer = await phpCliLayer();
});

const onPhpHosts = (n: number, fn: (hosts: Host[]) => Promise<void>) =>
  withFreshHosts(
    n,
    async (hosts) => {
      await uploadScripts(hosts[0]!);
      await fn(hosts);
    },
    { layers: [layer] },
  );

async function ok(run: Promise<RunOutcome>): Promise<RunOutcome> {
  const r = await run;
  expect(r.code, `${stepsIn(r, 'failed').join('; ')}\n${r.stderr}`).toBe(0);
  return r;
}

const install = (h: Host, args = UPLOAD_STAND_IN, input = STAND_IN) =>
  hostdeck(h, 'frankenphp', 'install', args, { input });

const lastStep = (r: RunOutcome) => r.steps[r.steps.length - 1]!;

/** GET `path` from inside the host on 127.0.0.1:`port`; the raw response, or '' if refused. */
const localGet = async (h: Host, path = '/', port = PORT) =>
  (
    await h.exec(
      `timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port} && printf "GET ${path} HTTP/1.0\\r\\n\\r\\n" >&3 && cat <&3' 2>/dev/null`,
    )
  ).stdout;

const answers = (h: Host, port = PORT) =>
  pollUntil(
    15_000,
    async () => ((await localGet(h, '/', port)).includes('hello from test1') ? true : undefined),
    () => new Error(`nothing answered on 127.0.0.1:${port}`),
  );

/** A tenant user, a document root with two pages, and the site's env file (the sites feature's job). */
async function makeSite(h: Host): Promise<void> {
  await sh(
    h,
    [
      'useradd --system --user-group --home-dir /srv/tenants/t1 --shell /usr/sbin/nologin t1',
      'mkdir -p /srv/tenants/t1/test1/public /home/someone',
      'echo secret > /home/someone/notes',
    ].join(' && '),
  );
  await h.exec('cat > /srv/tenants/t1/test1/public/index.php', {
    input: `<?php echo 'hello from test1 as ' . posix_getpwuid(posix_geteuid())['name'] . "\\n";\n`,
  });
  // What the sandbox lets a site do, seen from PHP itself.
  await h.exec('cat > /srv/tenants/t1/test1/public/probe.php', {
    input: `<?php
header('Content-Type: text/plain');
echo 'write-etc=', @file_put_contents('/etc/hd-probe', 'x') === false ? 'denied' : 'allowed', "\\n";
echo 'write-site=', @file_put_contents(__DIR__ . '/written.txt', 'x') === false ? 'denied' : 'allowed', "\\n";
echo 'read-home=', @file_get_contents('/home/someone/notes') === false ? 'denied' : 'allowed', "\\n";
echo 'tmp=', count(scandir('/tmp')), "\\n";
`,
  });
  await sh(h, 'chown -R t1:t1 /srv/tenants/t1 && chmod -R o-rwx /srv/tenants/t1');
  await h.exec('umask 027 && cat > /etc/hostdeck/sites/test1.env', {
    input: `HOSTDECK_PHP_USER=t1\nHOSTDECK_PHP_LISTEN=127.0.0.1:${PORT}\nHOSTDECK_PHP_ROOT=/srv/tenants/t1/test1/public\n`,
  });
  await sh(h, 'systemctl daemon-reload');
}

const sha = (h: Host) => sh(h, `sha256sum ${BIN} | cut -d" " -f1`);

describe('frankenphp', () => {
  it('a dry run on a fresh host only reports what would change', () =>
    onPhpHosts(1, async ([h]) => {
      const footprint = () =>
        sh(
          h!,
          `ls -d ${BIN} ${UNIT} ${GENERATOR} ${CHECK} /etc/hostdeck /var/lib/hostdeck /var/log/hostdeck 2>/dev/null; ` +
            'getent passwd hostdeck-nobody; dpkg -l curl 2>/dev/null | grep ^ii; true',
        );
      const before = await footprint();
      const dry = await ok(install(h!, ['--check', ...UPLOAD_STAND_IN]));
      expect(stepsIn(dry, 'changed')).toEqual([]);
      expect(dry.result.state).toBe('changed');
      expect(dry.steps.find((s) => s.name === `binary ${BIN}`)).toMatchObject({
        state: 'would-change',
        detail: expect.stringContaining('stdin not read in check mode'),
      });
      expect(dry.steps.find((s) => s.name === `file ${UNIT}`)?.state).toBe('would-change');
      const download = await ok(hostdeck(h!, 'frankenphp', 'install', ['--check', '--source', 'download']));
      expect(stepsIn(download, 'changed')).toEqual([]);
      expect(stepsIn(download, 'would-change')).toContainEqual(
        expect.stringMatching(/^package curl: would install/),
      );
      expect(download.steps[0]).toMatchObject({ state: 'ok', name: 'checksum pin' });
      expect(download.steps[0]!.detail).toMatch(/is FrankenPHP 1\.13\.0 for linux-x86_64$/);
      expect(await footprint()).toBe(before);
    }));

  it('installs the binary and the sandboxed per-site unit; a site runs as its user on loopback only', () =>
    onPhpHosts(2, async ([web, visitor]) => {
      const first = await ok(install(web!));
      expect(first.steps[0]).toEqual({
        state: 'ok',
        name: 'checksum pin',
        detail: `TEST ONLY (--allow-unpinned-sha256): accepting sha256 ${STAND_IN_SHA}, which is NOT a pinned FrankenPHP release; the app never passes this flag`,
      });
      expect(stepsIn(first, 'changed')).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            new RegExp(
              `^binary ${BIN}: installed FrankenPHP unpinned-${STAND_IN_SHA.slice(0, 12)} .*: FrankenPHP stand-in for Hostdeck tests \\(php -S\\), not the real FrankenPHP; PHP 8\\.2\\.`,
            ),
          ),
          `file ${UNIT}: written (template unit, verified)`,
          'systemd units: daemon-reload: the template unit, the guard unit or the generator changed',
          // The guard that lets only Caddy and root connect to a site's port is loaded before any site.
          'service hostdeck-site-guard.service: enabled, started',
        ]),
      );
      expect(await sha(web!)).toBe(STAND_IN_SHA);
      expect(await sh(web!, `stat -c "%a %U %G" ${BIN} ${UNIT} ${GENERATOR} ${CHECK}`)).toBe(
        '755 root root\n644 root root\n755 root root\n755 root root',
      );
      const verify = await web!.exec(`systemd-analyze verify ${UNIT} hostdeck-php@test1.service`);
      expect(verify.code, verify.stderr).toBe(0);
      expect(verify.stderr).toBe('');

      // The same request again: nothing changes, and the binary on stdin is not even read.
      const again = await ok(install(web!));
      expect(stepsIn(again, 'changed')).toEqual([]);
      expect(again.result.state).toBe('ok');
      expect(again.steps.find((s) => s.name === `binary ${BIN}`)?.detail).toMatch(/; stdin not read$/);

      // A site, the way the sites feature will add one: env file, daemon-reload, enable --now.
      await makeSite(web!);
      await sh(web!, 'systemctl enable --now hostdeck-php@test1');
      await answers(web!);
      expect(await localGet(web!)).toContain('hello from test1 as t1');
      const pid = await sh(web!, 'systemctl show -p MainPID --value hostdeck-php@test1');
      expect(await sh(web!, `awk '/^Uid:/ {print $2}' /proc/${pid}/status`)).toBe(await sh(web!, 'id -u t1'));
      expect(await sh(web!, 'systemctl show -p User --value hostdeck-php@test1')).toBe('t1');

      // Loopback only: the listening socket is 127.0.0.1:8081, and another host is refused.
      const hexPort = PORT.toString(16).toUpperCase().padStart(4, '0');
      expect(await sh(web!, `grep -c " 0100007F:${hexPort} 00000000:0000 0A" /proc/net/tcp`)).toBe('1');
      expect(await sh(web!, `grep -ci ":${hexPort} 0\\+:0000 0A" /proc/net/tcp6 || true`)).toBe('0');
      expect(await tcpProbe(visitor!, web!, PORT)).toBe('refused');

      // The sandbox, from PHP's side: the OS is read-only, /home invisible, /tmp private.
      await sh(web!, 'touch /tmp/host-tmp-file');
      const probe = await localGet(web!, '/probe.php');
      expect(probe).toContain('write-etc=denied');
      expect(probe).toContain('write-site=allowed');
      expect(probe).toContain('read-home=denied');
      expect(probe).toContain('tmp=2'); // only . and ..: not the host's /tmp
      const props = await sh(
        web!,
        'systemctl show hostdeck-php@test1 -p NoNewPrivileges -p ProtectSystem -p ProtectHome -p PrivateTmp ' +
          '-p PrivateDevices -p ProtectKernelTunables -p ProtectKernelModules -p ProtectControlGroups ' +
          '-p RestrictAddressFamilies -p LockPersonality -p RestrictSUIDSGID -p CapabilityBoundingSet',
      );
      expect(props.split('\n').sort()).toEqual([
        'CapabilityBoundingSet=',
        'LockPersonality=yes',
        'NoNewPrivileges=yes',
        'PrivateDevices=yes',
        'PrivateTmp=yes',
        'ProtectControlGroups=yes',
        'ProtectHome=yes',
        'ProtectKernelModules=yes',
        'ProtectKernelTunables=yes',
        'ProtectSystem=strict',
        'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
        'RestrictSUIDSGID=yes',
      ]);
      // nftables.service's stop and a `flush ruleset` file (Debian's default) wipe every table: the
      // guard is loaded again right after nftables starts, restarts or reloads, sites untouched.
      const guardLoaded = () =>
        sh(
          web!,
          `nft get element inet hostdeck_sites site_ports '{ ${PORT} }' >/dev/null && echo loaded || echo gone`,
        );
      await sh(web!, "printf 'flush ruleset\\n' >/etc/nftables.conf && systemctl restart nftables");
      expect(await guardLoaded()).toBe('loaded');
      await sh(web!, 'systemctl reload nftables');
      expect(await guardLoaded()).toBe('loaded');
      await sh(web!, 'systemctl stop nftables');
      expect(await guardLoaded()).toBe('loaded');
      expect(await sh(web!, 'systemctl show -p MainPID --value hostdeck-php@test1')).toBe(pid);
      // A user other than root and caddy still cannot connect (the guard answers with a reset).
      expect(
        await sh(web!, `runuser -u nobody -- bash -c 'exec 3<>/dev/tcp/127.0.0.1/${PORT}' 2>&1 || true`),
      ).toMatch(/Connection refused/);
      const security = await web!.exec('systemd-analyze security --no-pager hostdeck-php@test1');
      const score = /Overall exposure level for hostdeck-php@test1\.service: ([\d.]+) (\w+)/.exec(
        security.stdout,
      );
      console.log(
        `systemd-analyze security hostdeck-php@test1: ${score?.[0] ?? security.stdout.slice(-300)}`,
      );
      expect(Number(score?.[1])).toBeLessThan(2.5);

      const status = await ok(hostdeck(web!, 'frankenphp', 'status'));
      expect(status.status).toEqual({
        installed: 'yes',
        version: `unpinned-${STAND_IN_SHA.slice(0, 12)}`,
        enabled: 'yes',
        active: 'yes',
        sha256: STAND_IN_SHA,
        pinned: '1.13.0',
        arch: 'x86_64',
        'sites-enabled': '1',
        'sites-active': '1',
        drift: 'none',
      });
    }));

  it('refuses sites whose env file would run them as root, off loopback, or without a reload', () =>
    onPhpHosts(1, async ([h]) => {
      await ok(install(h!));
      await makeSite(h!);
      const cases: [string, string, RegExp][] = [
        [
          'any1',
          `HOSTDECK_PHP_USER=t1\nHOSTDECK_PHP_LISTEN=0.0.0.0:8082\nHOSTDECK_PHP_ROOT=/srv/tenants/t1/test1/public\n`,
          /HOSTDECK_PHP_LISTEN='0\.0\.0\.0:8082' is not 127\.0\.0\.1:<port>/,
        ],
        [
          'root1',
          `HOSTDECK_PHP_USER=root\nHOSTDECK_PHP_LISTEN=127.0.0.1:8083\nHOSTDECK_PHP_ROOT=/srv/tenants/t1/test1/public\n`,
          /it would run as 'hostdeck-nobody': HOSTDECK_PHP_USER='root' must be an existing user/,
        ],
        [
          'dots1',
          `HOSTDECK_PHP_USER=t1\nHOSTDECK_PHP_LISTEN=127.0.0.1:8084\nHOSTDECK_PHP_ROOT=/srv/tenants/t1/../../etc\n`,
          /HOSTDECK_PHP_ROOT='\/srv\/tenants\/t1\/\.\.\/\.\.\/etc' is not a plain path/,
        ],
      ];
      for (const [site, env] of cases) {
        await h!.exec(`cat > /etc/hostdeck/sites/${site}.env`, { input: env });
      }
      await sh(h!, 'systemctl daemon-reload');
      // Written after the reload: no drop-in yet, so it would run as the placeholder user.
      await h!.exec('cat > /etc/hostdeck/sites/late1.env', {
        input: `HOSTDECK_PHP_USER=t1\nHOSTDECK_PHP_LISTEN=127.0.0.1:8085\nHOSTDECK_PHP_ROOT=/srv/tenants/t1/test1/public\n`,
      });
      cases.push(['late1', '', /it would run as 'hostdeck-nobody'.*systemctl daemon-reload/]);
      for (const [site, , why] of cases) {
        const start = await h!.exec(`systemctl start hostdeck-php@${site}`);
        expect(start.code, site).not.toBe(0);
        await sh(
          h!,
          `systemctl stop hostdeck-php@${site}; systemctl reset-failed hostdeck-php@${site} || true`,
        );
        const log = await sh(h!, `journalctl -u hostdeck-php@${site} --no-pager -o cat`);
        expect(log, site).toMatch(why);
      }
      // The generator made drop-ins for the good files only, and says why it skipped the others.
      const gen = await h!.exec(
        `mkdir -p /run/gen-test && ${GENERATOR} /run/gen-test && grep -r ^User= /run/gen-test`,
      );
      expect(gen.stdout.trim().split('\n').sort()).toEqual([
        '/run/gen-test/hostdeck-php@any1.service.d/50-hostdeck-user.conf:User=t1',
        '/run/gen-test/hostdeck-php@dots1.service.d/50-hostdeck-user.conf:User=t1',
        '/run/gen-test/hostdeck-php@late1.service.d/50-hostdeck-user.conf:User=t1',
        '/run/gen-test/hostdeck-php@test1.service.d/50-hostdeck-user.conf:User=t1',
      ]);
      expect(gen.stderr.trim()).toBe(
        "hostdeck-php-generator: skipping root1: refusing to run a site as 'root' (uid 0)",
      );
      // None of them ever listened.
      for (const port of [8082, 8083, 8084, 8085]) {
        expect((await h!.exec(`bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}' 2>/dev/null`)).code).not.toBe(0);
      }
    }));

  it('refuses a wrong checksum, restarts sites on a new binary, and follows disable/enable/remove', () =>
    onPhpHosts(1, async ([h]) => {
      await ok(install(h!));
      await makeSite(h!);
      await sh(h!, 'systemctl enable --now hostdeck-php@test1');
      await answers(h!);

      // A new version is announced, but the bytes on stdin do not hash to its --sha256: refused,
      // nothing replaced, nothing left behind.
      const v2 = `${STAND_IN}# v2\n`;
      const v2sha = createHash('sha256').update(v2).digest('hex');
      const v2args = ['--source', 'upload', '--sha256', v2sha, '--allow-unpinned-sha256'];
      const tampered = await install(h!, v2args, `${v2}echo pwned\n`);
      expect(tampered.code).toBe(1);
      expect(lastStep(tampered)).toMatchObject({ state: 'failed', name: `binary ${BIN}` });
      expect(lastStep(tampered).detail).toMatch(
        new RegExp(
          `^checksum mismatch: the binary has sha256 [0-9a-f]{64}, expected ${v2sha}\\. It was discarded; ${BIN} was not changed\\.$`,
        ),
      );
      expect(await sha(h!)).toBe(STAND_IN_SHA);
      expect(await sh(h!, 'ls -A /usr/local/bin')).toBe('frankenphp');
      // A checksum outside the pinned releases, without the test-only flag: refused as input.
      const unpinned = await install(h!, ['--source', 'upload', '--sha256', STAND_IN_SHA]);
      expect(unpinned.code).toBe(2);
      expect(unpinned.steps).toEqual([
        {
          state: 'failed',
          name: 'option --sha256',
          detail: expect.stringMatching(
            /^refused: [0-9a-f]{64} is not the SHA-256 of a pinned FrankenPHP release for linux-x86_64 \(pinned: 1\.13\.0 54bb4990/,
          ),
        },
      ]);

      // The right bytes replace the old binary atomically and restart the running sites.
      const pidBefore = await sh(h!, 'systemctl show -p MainPID --value hostdeck-php@test1');
      const upgrade = await ok(install(h!, v2args, v2));
      expect(stepsIn(upgrade, 'changed')).toEqual([
        expect.stringMatching(
          new RegExp(`^binary ${BIN}: installed .*replacing sha256 ${STAND_IN_SHA}: FrankenPHP stand-in`),
        ),
        'service hostdeck-php@test1.service: restarted: the binary or the unit changed',
      ]);
      expect(await sha(h!)).toBe(v2sha);
      await answers(h!);
      expect(await sh(h!, 'systemctl show -p MainPID --value hostdeck-php@test1')).not.toBe(pidBefore);

      // disable: every site stopped and disabled; a second disable changes nothing.
      const off = await ok(hostdeck(h!, 'frankenphp', 'disable'));
      expect(stepsIn(off, 'changed')).toEqual(['service hostdeck-php@test1.service: disabled, stopped']);
      expect(stepsIn(await ok(hostdeck(h!, 'frankenphp', 'disable')), 'changed')).toEqual([]);
      expect(await localGet(h!)).toBe('');
      expect((await ok(hostdeck(h!, 'frankenphp', 'status'))).status).toMatchObject({
        installed: 'yes',
        enabled: 'no',
        active: 'no',
        'sites-enabled': '0',
        drift: 'none',
      });

      // enable brings back what disable stopped.
      const on = await ok(hostdeck(h!, 'frankenphp', 'enable'));
      expect(stepsIn(on, 'changed')).toEqual(['service hostdeck-php@test1.service: enabled, started']);
      await answers(h!);
      expect((await ok(hostdeck(h!, 'frankenphp', 'status'))).status).toMatchObject({
        enabled: 'yes',
        active: 'yes',
        'sites-enabled': '1',
        drift: 'none',
      });

      // A hand edit of the unit shows as drift.
      await sh(h!, `echo '# edited' >> ${UNIT}`);
      expect((await ok(hostdeck(h!, 'frankenphp', 'status'))).status.drift).toBe(`config:${UNIT}`);
      await ok(install(h!, v2args, v2));
      expect((await ok(hostdeck(h!, 'frankenphp', 'status'))).status.drift).toBe('none');

      // remove refuses while a site still uses FrankenPHP...
      const refused = await hostdeck(h!, 'frankenphp', 'remove');
      expect(refused.code).toBe(1);
      expect(refused.steps).toEqual([
        {
          state: 'failed',
          name: 'sites',
          detail:
            'refused: these sites still use FrankenPHP (enabled or running): test1. Run frankenphp disable (stops and disables them all) or disable the sites, then remove. Nothing was changed.',
        },
      ]);
      expect(await sha(h!)).toBe(v2sha);
      await answers(h!);

      // ...and goes through once they are disabled; the sites' env files stay.
      await ok(hostdeck(h!, 'frankenphp', 'disable'));
      const gone = await ok(hostdeck(h!, 'frankenphp', 'remove'));
      expect(stepsIn(gone, 'changed')).toEqual([
        `file ${UNIT} absent: removed`,
        `file ${GENERATOR} absent: removed`,
        `file ${CHECK} absent: removed`,
        'service hostdeck-site-guard.service: disabled',
        'file /etc/systemd/system/nftables.service.d/hostdeck-site-guard.conf absent: removed',
        'file /etc/systemd/system/hostdeck-site-guard.service absent: removed',
        'file /usr/local/libexec/hostdeck/site-guard absent: removed',
        `file ${BIN} absent: removed`,
        'systemd units: daemon-reload: the template unit and the generator are gone',
        'user hostdeck-nobody absent: removed',
      ]);
      expect(await sh(h!, `ls ${BIN} ${UNIT} ${GENERATOR} ${CHECK} 2>/dev/null || true`)).toBe('');
      expect(
        await sh(h!, 'nft list table inet hostdeck_sites >/dev/null 2>&1 && echo loaded || echo gone'),
      ).toBe('gone');
      expect(await sh(h!, 'ls /etc/hostdeck/sites')).toBe('test1.env');
      expect((await ok(hostdeck(h!, 'frankenphp', 'status'))).status).toMatchObject({
        installed: 'no',
        version: 'none',
        enabled: 'no',
        active: 'no',
        drift: 'none',
      });
      expect(stepsIn(await ok(hostdeck(h!, 'frankenphp', 'remove')), 'changed')).toEqual([]);
    }));

  it('downloads from a URL and verifies it; refuses bad inputs before touching the host', async () => {
    // A mirror on this machine's bridge address, serving the stand-in and a tampered copy.
    const server = createServer((req, res) => {
      if (req.url === '/frankenphp-linux-x86_64') res.end(STAND_IN);
      else if (req.url === '/tampered') res.end(`${STAND_IN}echo pwned\n`);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '10.213.0.1', resolve));
    const mirror = `http://10.213.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await onPhpHosts(1, async ([h]) => {
        const pinnedArgs = ['--sha256', STAND_IN_SHA, '--allow-unpinned-sha256'];
        // The pinned GitHub release: this host cannot resolve github.com, so the download fails.
        const github = await hostdeck(h!, 'frankenphp', 'install', ['--source', 'download']);
        expect(github.code).toBe(1);
        expect(stepsIn(github, 'changed')).toEqual([expect.stringMatching(/^package curl: installed /)]);
        expect(lastStep(github)).toMatchObject({ state: 'failed', name: 'download' });
        expect(lastStep(github).detail).toMatch(
          /^downloading https:\/\/github\.com\/php\/frankenphp\/releases\/download\/v1\.13\.0\/frankenphp-linux-x86_64 failed: curl: \(6\) Could not resolve host: github\.com\./,
        );
        const tampered = await hostdeck(h!, 'frankenphp', 'install', [
          '--source',
          'download',
          '--download-url',
          `${mirror}/tampered`,
          ...pinnedArgs,
        ]);
        expect(tampered.code).toBe(1);
        expect(lastStep(tampered).detail).toMatch(/^checksum mismatch: .* was not changed\.$/);
        expect(await sh(h!, `ls -A /usr/local/bin`)).toBe('');

        const fetched = await ok(
          hostdeck(h!, 'frankenphp', 'install', [
            '--source',
            'download',
            '--download-url',
            `${mirror}/frankenphp-linux-x86_64`,
            ...pinnedArgs,
          ]),
        );
        expect(stepsIn(fetched, 'changed')).toContain(
          `download: ${mirror}/frankenphp-linux-x86_64 (${Buffer.byteLength(STAND_IN)} bytes)`,
        );
        expect(await sha(h!)).toBe(STAND_IN_SHA);
        expect((await ok(hostdeck(h!, 'frankenphp', 'status'))).status).toMatchObject({
          installed: 'yes',
          version: `unpinned-${STAND_IN_SHA.slice(0, 12)}`,
          drift: 'none',
        });

        // Refused inputs: exit 2, one failed step, the installed binary untouched.
        const refusals: [string[], string | undefined, string, RegExp][] = [
          [['--source', 'upload'], STAND_IN, 'option --sha256', /needs --sha256/],
          [
            ['--source', 'upload', '--sha256', 'ABC'],
            STAND_IN,
            'option --sha256',
            /is not the SHA-256 of the binary/,
          ],
          [
            ['--source', 'upload', '--download-url', `${mirror}/x`, ...pinnedArgs],
            STAND_IN,
            'option --download-url',
            /only goes with --source download/,
          ],
          [
            ['--source', 'download', '--download-url', 'file:///etc/passwd'],
            undefined,
            'option --download-url',
            /refused: 'file:\/\/\/etc\/passwd'/,
          ],
          [['--source', 'sideload'], undefined, 'option --source', /refused: 'sideload'/],
          [
            ['--source', 'upload', ...pinnedArgs.slice(0, 2)],
            STAND_IN,
            'option --sha256',
            /not the SHA-256 of a pinned/,
          ],
        ];
        for (const [args, input, name, detail] of refusals) {
          const r = await hostdeck(h!, 'frankenphp', 'install', args, { input });
          expect(r.code, args.join(' ')).toBe(2);
          expect(r.steps, args.join(' ')).toEqual([
            { state: 'failed', name, detail: expect.stringMatching(detail) },
          ]);
        }
        // Stdin problems are found after the lock; still refused inputs, still nothing replaced.
        const other = ['--source', 'upload', '--sha256', 'a'.repeat(64), '--allow-unpinned-sha256'];
        const empty = await hostdeck(h!, 'frankenphp', 'install', other, { input: '' });
        expect(empty.code).toBe(2);
        expect(lastStep(empty).detail).toMatch(/^nothing arrived on stdin/);
        const big = await hostdeck(h!, 'frankenphp', 'install', [...other, '--max-size-mb', '1'], {
          input: 'x'.repeat(1_500_000),
        });
        expect(big.code).toBe(2);
        expect(lastStep(big).detail).toMatch(/^refused: more than 1 MB arrived on stdin/);
        expect(await sha(h!)).toBe(STAND_IN_SHA);
        expect(await sh(h!, 'ls -A /usr/local/bin')).toBe('frankenphp');
      });
    } finally {
      server.close();
    }
  });
});
