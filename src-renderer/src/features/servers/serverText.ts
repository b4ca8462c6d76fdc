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

/** "Debian 12", "Ubuntu 24.04": short enough for a table cell (the full name is in the tooltip). */
export function osShort(os: { id: string; name: string; version: string }): string {
  if (!os.id || os.id === 'unknown') return os.name;
  return `${os.id.charAt(0).toUpperCase()}${os.id.slice(1)} ${os.version}`.trim();
}
