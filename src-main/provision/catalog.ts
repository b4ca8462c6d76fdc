import type { ModuleInfo } from '@contract';

/** What each server module is, in the order provisioning applies them. */
export const moduleCatalog: ModuleInfo[] = [
  {
    name: 'firewall',
    title: 'Firewall',
    summary: 'nftables: SSH, HTTP and HTTPS open, everything else closed.',
    recommended: true,
  },
  {
    name: 'caddy',
    title: 'Caddy',
    summary: 'Front proxy and TLS on 80/443; one file per site, validated before reload.',
    recommended: true,
  },
  {
    name: 'mariadb',
    title: 'MariaDB',
    summary: 'Bound to 127.0.0.1, root by socket only, an admin user for Hostdeck.',
    recommended: true,
  },
  {
    name: 'fail2ban',
    title: 'fail2ban',
    summary: 'Bans addresses that keep failing SSH logins (this laptop is exempt).',
    recommended: true,
  },
  {
    name: 'ssh-hardening',
    title: 'SSH hardening',
    summary: 'Root password login off; password login off once key login works.',
    recommended: false,
  },
  {
    name: 'frankenphp',
    title: 'FrankenPHP',
    summary:
      'The PHP server, one sandboxed process per site on 127.0.0.1; a pinned release checked by SHA-256.',
    recommended: true,
  },
  {
    name: 'unattended-upgrades',
    title: 'Security updates',
    summary: 'Installs Debian and Ubuntu security updates automatically.',
    recommended: true,
  },
  {
    name: 'swap',
    title: 'Swap file',
    summary: 'A 1 GB swap file on hosts with less than 2 GB of memory (not possible in containers).',
    recommended: false,
  },
];
