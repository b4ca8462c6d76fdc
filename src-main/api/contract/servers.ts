import { z } from 'zod';
import { command, empty, event } from './define';

export const serverStatuses = [
  'unknown',
  'online',
  'unreachable',
  'timeout',
  'auth-failed',
  'host-key-unknown',
  'host-key-mismatch',
  'error',
] as const;
export type ServerStatus = (typeof serverStatuses)[number];

export interface ServerFacts {
  hostname: string;
  os: { id: string; name: string; version: string };
  kernel: string;
  arch: string;
  cpus: number;
  memory: { totalBytes: number; availableBytes: number };
  disk: { totalBytes: number; usedBytes: number; availableBytes: number };
  uptimeSeconds: number;
  load: [number, number, number];
  systemd: boolean;
}

export type ServerAuth =
  { kind: 'key'; secretId: string } | { kind: 'password'; secretId: string } | { kind: 'agent' };

export interface ServerInfo {
  id: string;
  name: string;
  host: string;
  port: number;
  username: string;
  auth: ServerAuth;
  jumpServerId: string | null;
  tags: string[];
  notes: string;
  hostKey: { type: string; fingerprint: string; trustedAt: string } | null;
  status: ServerStatus;
  lastError: string | null;
  lastCheckedAt: string | null;
  facts: ServerFacts | null;
  /** When the facts were read: the fleet view shows them "as of" this time, offline too. */
  factsAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface HostKeyProbeResult {
  type: string;
  fingerprint: string;
  /** The fingerprint Hostdeck trusts for this server, if any. */
  trustedFingerprint: string | null;
  matches: boolean;
}

const hostnameRe =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const ipv4Re = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const ipv6Re = /^(?=.*:)[0-9A-Fa-f:.]{2,45}$/;

/** A DNS name, an IPv4 address or an IPv6 address (no brackets, no scheme, no port). */
export const isHostAddress = (v: string) => ipv4Re.test(v) || ipv6Re.test(v) || hostnameRe.test(v);

export const serverId = z.string().regex(/^[0-9a-f-]{36}$/, 'expected a server id');

export const serverName = z
  .string()
  .trim()
  .min(1, 'give the server a name')
  .max(64, 'use at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'use letters, digits, spaces, dots, dashes and underscores');

export const serverFields = {
  name: serverName,
  host: z
    .string()
    .trim()
    .min(1, 'enter a host name or IP address')
    .max(253)
    .refine(isHostAddress, 'enter a host name or IP address (no scheme, no port)'),
  port: z
    .number()
    .int()
    .min(1, 'ports run from 1 to 65535')
    .max(65535, 'ports run from 1 to 65535')
    .default(22),
  username: z
    .string()
    .trim()
    .min(1, 'enter the SSH user')
    .max(32)
    .regex(/^[A-Za-z_][A-Za-z0-9._-]*$/, 'a Unix user name: letters, digits, dot, dash, underscore'),
  auth: z.discriminatedUnion('kind', [
    z
      .object({ kind: z.literal('key'), secretId: z.string().regex(/^[0-9a-f-]{36}$/, 'choose a key') })
      .strict(),
    z
      .object({
        kind: z.literal('password'),
        secretId: z.string().regex(/^[0-9a-f-]{36}$/, 'choose a password'),
      })
      .strict(),
    z.object({ kind: z.literal('agent') }).strict(),
  ]),
  jumpServerId: serverId.nullable().default(null),
  tags: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'tags: lower-case letters, digits and dashes'))
    .max(16)
    .default([]),
  notes: z.string().max(4000).default(''),
};

export const serverAdd = z.object(serverFields).strict();
export const serverUpdate = z
  .object({
    id: serverId,
    name: serverFields.name.optional(),
    host: serverFields.host.optional(),
    port: z.number().int().min(1).max(65535).optional(),
    username: serverFields.username.optional(),
    auth: serverFields.auth.optional(),
    jumpServerId: serverId.nullable().optional(),
    tags: serverFields.tags.optional(),
    notes: z.string().max(4000).optional(),
  })
  .strict();
export const serverRef = z.object({ id: serverId }).strict();
export const hostKeyConfirm = z
  .object({
    id: serverId,
    fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'expected SHA256:… fingerprint'),
  })
  .strict();
export const installKey = z
  .object({
    id: serverId,
    password: z.string().min(1, 'enter the server password once').max(4096),
    keyId: z
      .string()
      .regex(/^[0-9a-f-]{36}$/)
      .optional(),
  })
  .strict();
export const serversRefresh = z.object({ ids: z.array(serverId).max(500).optional() }).strict();

/** The servers slice of the contract: its commands (with their traits) and events. */
export const serversCommands = {
  'servers.list': command<ServerInfo[]>()(empty, 'Every server with its cached status and facts.', {
    passive: true,
  }),
  'servers.get': command<ServerInfo>()(serverRef, 'One server.', { passive: true }),
  'servers.add': command<ServerInfo>()(serverAdd, 'Add a server (nothing is sent to it yet).', {
    audit: 'servers.add',
  }),
  'servers.update': command<ServerInfo>()(serverUpdate, "Change a server's details.", {
    audit: 'servers.update',
  }),
  'servers.remove': command<{ removed: true }>()(
    serverRef,
    'Remove a server from the inventory (the host is untouched).',
    { audit: 'servers.remove' },
  ),
  'servers.probeHostKey': command<HostKeyProbeResult>()(
    serverRef,
    'Fetch the host key the server presents, for confirmation.',
  ),
  'servers.trustHostKey': command<ServerInfo>()(
    hostKeyConfirm,
    'Trust the confirmed host key (first connection).',
    { audit: 'servers.trustHostKey' },
  ),
  'servers.replaceHostKey': command<ServerInfo>()(
    hostKeyConfirm,
    'Deliberately replace a changed host key.',
    { audit: 'servers.replaceHostKey' },
  ),
  'servers.installKey': command<ServerInfo>()(
    installKey,
    "With a one-time password, add the app's public key to authorized_keys and switch to key auth.",
    { audit: 'servers.installKey' },
  ),
  'servers.refresh': command<ServerInfo[]>()(serversRefresh, 'Read facts from servers in parallel.'),
} as const;

export const serversEvents = {
  'servers.changed': event<ServerInfo>('A server was added, changed, checked or removed.'),
} as const;
