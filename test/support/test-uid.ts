import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * A UID for a throwaway user the tests create on this machine, from a range nothing else here
 * uses. Not the next free system or normal UID: the vps hosts (systemd-nspawn without user
 * namespaces) share this machine's UIDs, and their caddy, mysql and tenant users sit exactly where
 * useradd would pick next (999, 998, … and 1000). Removing such a user with `pkill -u` then killed
 * every container's Caddy at once: the "caddy failed right after provisioning" of issue #21, seen
 * whenever the ssh tier ran while vps hosts were up.
 */
export function unusedTestUid(): number {
  const taken = new Set(
    readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((line) => Number(line.split(':')[2])),
  );
  for (;;) {
    const uid = randomInt(61_000, 65_000);
    if (!taken.has(uid)) return uid;
  }
}
