// ensure_validated_file (server-scripts/lib/validated.sh), called directly on a fresh host with a
// validator and a reload hook of the test's own: a candidate that fails validation never goes
// live, a reload that fails puts the previous file back, and the last known good copy is only
// ever a file that validated and loaded.
import { describe, expect, it } from 'vitest';
import type { Host } from '../harness/index.js';
import { withFreshHosts } from './fresh-hosts.js';
import { parseOutput, REMOTE_DIR, sh, uploadScripts } from './hostdeck-scripts.js';

const FILE = '/etc/hd-vf/app.conf';
const LAST_GOOD = `/var/lib/hostdeck/last-good${FILE}`;

// $1: the content; $2: "staged" (validate the candidate) or "in-place" (validate the live file).
const script = `#!/usr/bin/env bash
set -Eeuo pipefail
source ${REMOTE_DIR}/lib.sh
hd_init
HD_MODULE=vftest
valid() { hd_run grep -qx 'valid' "$1"; }
reload() {
  echo reload >>/etc/hd-vf/reloads
  [[ ! -e /etc/hd-vf/refuse-reload ]] || { HD_LAST_OUTPUT='the service said no'; return 1; }
  cp -- ${FILE} /etc/hd-vf/loaded
}
opts=(--validate valid --reload reload)
[[ $2 == in-place ]] && opts+=(--in-place)
ensure_validated_file "file ${FILE}" ${FILE} 0640 root root "$1"$'\\n' "\${opts[@]}"
`;

async function apply(h: Host, content: string, how: 'staged' | 'in-place' = 'staged') {
  const r = await h.exec(`bash /root/vf.sh ${content} ${how}`);
  const steps = parseOutput(r.stdout).steps.map((s) => `${s.state}: ${s.detail}`);
  return { code: r.code, steps };
}

describe('ensure_validated_file', () => {
  it('never lets a file that fails validation or reload go live, and keeps the last good copy', () =>
    withFreshHosts(1, async ([h]) => {
      await uploadScripts(h!);
      await h!.exec('cat > /root/vf.sh', { input: script });
      await sh(h!, 'mkdir -m 0755 /etc/hd-vf');
      // File, last good copy, what the "service" loaded, and stray staging files next to the file.
      const state = () =>
        sh(h!, `cat ${FILE}; cat ${LAST_GOOD}; cat /etc/hd-vf/loaded; stat -c %a ${FILE}; ls -A /etc/hd-vf`);

      expect(await apply(h!, 'valid')).toEqual({ code: 0, steps: ['changed: written'] });
      const good = await state();
      expect(good).toBe('valid\nvalid\nvalid\n640\napp.conf\nloaded\nreloads');
      expect(await apply(h!, 'valid')).toEqual({ code: 0, steps: ['ok: '] });

      // A candidate the validator refuses: nothing swapped, nothing reloaded.
      const reloads = await sh(h!, 'wc -l </etc/hd-vf/reloads');
      const invalid = await apply(h!, 'broken');
      expect(invalid.code).toBe(1);
      expect(invalid.steps).toEqual(['failed: the new file does not validate, nothing was changed: ']);
      expect(await state()).toBe(good);
      expect(await sh(h!, 'wc -l </etc/hd-vf/reloads')).toBe(reloads);

      // The same, validated in place (as sshd -t and fail2ban-client --test do): put back.
      const inPlace = await apply(h!, 'broken', 'in-place');
      expect(inPlace.code).toBe(1);
      expect(await state()).toBe(good);

      // A file that validates but that the service refuses on reload: the previous file is put
      // back and reloaded again; the last good copy stays the one that loaded.
      await sh(h!, 'printf "valid\\nextra\\n" >/root/other && touch /etc/hd-vf/refuse-reload');
      const refused = await h!.exec(`bash /root/vf.sh "$(cat /root/other)" staged`);
      expect(refused.code).toBe(1);
      expect(parseOutput(refused.stdout).steps.map((s) => s.detail)).toEqual([
        'the service refused the new file on reload; the previous file was put back: the service said no',
      ]);
      expect(await sh(h!, `cat ${FILE}; cat ${LAST_GOOD}`)).toBe('valid\nvalid');
      expect(await sh(h!, 'ls -A /etc/hd-vf')).toBe('app.conf\nloaded\nrefuse-reload\nreloads');

      // Once the service takes it, the new file is live and becomes the last good copy.
      await sh(h!, 'rm /etc/hd-vf/refuse-reload');
      const taken = await h!.exec(`bash /root/vf.sh "$(cat /root/other)" staged`);
      expect(taken.code).toBe(0);
      expect(await sh(h!, `cat ${LAST_GOOD}; cat /etc/hd-vf/loaded`)).toBe('valid\nextra\nvalid\nextra');
    }));
});
