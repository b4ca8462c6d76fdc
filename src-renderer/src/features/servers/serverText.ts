import type { ServerStatus } from '@contract';

/** How the servers views name statuses and systems. */
export const statusLabel: Record<ServerStatus, string> = {
  unknown: 'Not checked',
  online: 'Online',
  unreachable: 'Unreachable',
  timeout: 'Timed out',
  'auth-failed': 'Auth failed',
  'host-key-unknown': 'Confirm host key',
  'host-key-mismatch': 'Host key changed',
  error: 'Error',
};

/** What to do about a status, in words that match it; null when there is nothing to do. */
export const statusFix: Record<ServerStatus, string | null> = {
  unknown: 'Check now reads its facts.',
  online: null,
  unreachable: 'Check the address and port, and that the server is up with SSH running.',
  timeout:
    'Something answers on that port but SSH did not in time: check the port and any firewall in between.',
  'auth-failed':
    "The server refused the sign-in: check the user, and that the key is in the server's authorized_keys (Security → Install my key…).",
  'host-key-unknown': 'Confirm its host key (Security, below) to connect.',
  'host-key-mismatch':
    'The server presented another key than the one confirmed: check it out of band before replacing it (Security, below).',
  error: 'See the reason above, then Check now.',
};

/** "Debian 12", "Ubuntu 24.04": short enough for a table cell (the full name is in the tooltip). */
export function osShort(os: { id: string; name: string; version: string }): string {
  if (!os.id || os.id === 'unknown') return os.name;
  return `${os.id.charAt(0).toUpperCase()}${os.id.slice(1)} ${os.version}`.trim();
}
