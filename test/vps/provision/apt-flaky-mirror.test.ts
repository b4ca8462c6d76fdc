// A package mirror that is briefly unreachable (issue #11; seen in a fresh-clone CI run: "Unable
// to connect to deb.debian.org:80"): the scripts retry and go through once it is back, and when it
// stays away they say so in a sentence, having installed nothing. The mirror is made unreachable
// for real, by pointing its name at a closed loopback port on the host.
import { describe, expect, it } from 'vitest';
import type { Host } from '../harness/index.js';
import { withFreshHosts } from './fresh-hosts.js';
import { hostdeck, sh, stepsIn, uploadScripts } from './hostdeck-scripts.js';

const block = (h: Host) =>
  sh(
    h,
    "cp /etc/hosts /root/hosts.real && sed -i 's/^[0-9.]*\\(\\s\\+deb\\.debian\\.org\\)/127.0.0.9\\1/' /etc/hosts",
  );
const unblock = (h: Host) => sh(h, 'cp /root/hosts.real /etc/hosts');
// Lists older than an hour: the next install refreshes them first (through the mirror).
const staleLists = (h: Host) =>
  sh(h, "find /var/lib/apt/lists -maxdepth 1 -type f -exec touch -d '3 hours ago' {} +");

describe('apt through a flaky mirror', () => {
  it('goes through when the mirror comes back during the retry, and says so when it never does', () =>
    withFreshHosts(2, async ([h, g]) => {
      await Promise.all([uploadScripts(h!), uploadScripts(g!)]);
      await Promise.all([sh(h!, 'apt-get -q update', 300_000), sh(g!, 'apt-get -q update', 300_000)]);

      // Back within the retry's wait: the install succeeds.
      await staleLists(h!);
      await block(h!);
      const run = hostdeck(h!, 'caddy', 'install', [], { timeoutMs: 300_000 });
      await new Promise((r) => setTimeout(r, 4_000));
      await unblock(h!);
      const r = await run;
      expect(r.code, `${stepsIn(r, 'failed').join('; ')}\n${r.stderr.slice(-1500)}`).toBe(0);
      // apt's own retries or the script's second update carried it: either way, no failed step.
      expect(await sh(h!, 'systemctl is-active caddy')).toBe('active');

      // Never back: a failed step that says what happened and what to do; nothing installed.
      await staleLists(g!);
      await block(g!);
      const f = await hostdeck(g!, 'caddy', 'install', [], { timeoutMs: 300_000 });
      expect(f.code).toBe(1);
      expect(stepsIn(f, 'failed').join('; ')).toMatch(
        /apt lists: apt-get update failed twice, the package mirror is unreachable from this host: .*Check the host's network and apt sources, then run again; nothing was installed\./,
      );
      expect(await sh(g!, 'dpkg -s caddy >/dev/null 2>&1 && echo installed || echo absent')).toBe('absent');
    }));
});
