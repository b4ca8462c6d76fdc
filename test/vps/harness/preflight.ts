// Fails fast, with the fix spelled out, when this machine cannot run the vps tier.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** binary -> Debian package that ships it */
const REQUIRED: ReadonlyArray<readonly [string, string]> = [
  ['debootstrap', 'debootstrap'],
  ['systemd-nspawn', 'systemd-container'],
  ['ip', 'iproute2'],
  ['nft', 'nftables'],
  ['ssh-keygen', 'openssh-client'],
  ['sshd', 'openssh-server'],
  ['flock', 'util-linux'],
  ['findmnt', 'util-linux'],
  ['mount', 'mount'],
  ['umount', 'mount'],
  ['sysctl', 'procps'],
];

// Tools under sbin are often missing from a non-login PATH; look there too.
const SEARCH_PATH = [
  ...(process.env.PATH ?? '').split(delimiter),
  '/usr/local/sbin',
  '/usr/sbin',
  '/sbin',
  '/usr/bin',
  '/bin',
];

function onPath(bin: string): boolean {
  return SEARCH_PATH.some((dir) => {
    try {
      accessSync(join(dir, bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function assertVpsPrerequisites(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'The vps test tier boots systemd-nspawn containers and needs root. Run it as root ' +
        '(sudo -E npx vitest run --project vps), or skip it with `npm run test:unit` / `test:ssh`.',
    );
  }
  const missing = REQUIRED.filter(([bin]) => !onPath(bin));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    throw new Error(
      `The vps test tier needs ${missing.map(([bin]) => bin).join(', ')}. ` +
        `Install with: apt-get install -y ${pkgs}`,
    );
  }
  // Make sure every later spawn finds sbin tools even when PATH lacked them.
  for (const dir of ['/usr/sbin', '/sbin']) {
    if (!(process.env.PATH ?? '').split(delimiter).includes(dir))
      process.env.PATH = `${process.env.PATH}${delimiter}${dir}`;
  }
}
