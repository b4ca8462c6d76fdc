import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Client as SshClient, ConnectConfig } from 'ssh2';
import { AppError } from '../../base/app-error';
import { classifySshError } from './errors';
import { describeHostKey } from './host-key';
import type { PresentedHostKey } from './host-key';

export type SshAuth =
  | { kind: 'key'; privateKey: string; passphrase?: string }
  | { kind: 'password'; password: string }
  | { kind: 'agent'; socket: string };

export interface SshTarget {
  /** For messages: "web-1 (203.0.113.7:22)". */
  label: string;
  host: string;
  port: number;
  username: string;
  auth: SshAuth;
  /**
   * The trusted host key (base64 blob) and when it was trusted; null = none yet, in which case the
   * connection is refused with HOST_KEY_UNKNOWN carrying the presented key for confirmation.
   */
  trustedHostKey: { key: string; fingerprint: string; trustedAt: string } | null;
  /** Reach this target through another server (ProxyJump). */
  via?: SshTarget;
}

export interface ConnectOptions {
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Capture the presented key and stop (first-connection confirmation). */
  probeOnly?: boolean;
}

export interface Connected {
  client: SshClient;
  /** Clients of the jump chain, closed together with this one. */
  chain: SshClient[];
  hostKey: PresentedHostKey;
  /** Ends this connection and its jump chain (the one way a connection is closed). */
  close(): void;
}

/** Thrown by probe connections: carries the key the server presented. */
export class HostKeyProbe extends Error {
  constructor(readonly presented: PresentedHostKey) {
    super('host key captured');
  }
}

/**
 * Opens one authenticated SSH connection (through its jump chain), enforcing the trusted host key.
 * Every failure becomes a classified AppError.
 */
export async function connectSsh(target: SshTarget, opts: ConnectOptions = {}): Promise<Connected> {
  const chain: SshClient[] = [];
  let sock: Duplex | undefined;
  try {
    if (target.via) {
      const jump = await connectSsh(target.via, { ...opts, probeOnly: false });
      chain.push(...jump.chain, jump.client);
      sock = await forward(jump.client, target);
    }
    const { client, hostKey } = await handshake(target, sock, opts);
    return { client, chain, hostKey, close: () => endAll(client, chain) };
  } catch (err) {
    endAll(null, chain);
    throw err;
  }
}

function endAll(client: SshClient | null, chain: SshClient[]): void {
  client?.end();
  for (const c of [...chain].reverse()) c.end();
}

function forward(jump: SshClient, target: SshTarget): Promise<Duplex> {
  return new Promise((resolve, reject) =>
    jump.forwardOut('127.0.0.1', 0, target.host, target.port, (err, stream) => {
      if (err) {
        reject(
          new AppError(
            'UNREACHABLE',
            `The jump host could not open a connection to ${target.label}: ${err.message}.`,
            {
              hint: 'Check that the jump host can reach the target address and allows TCP forwarding.',
            },
          ),
        );
      } else resolve(stream);
    }),
  );
}

function handshake(
  target: SshTarget,
  sock: Duplex | undefined,
  opts: ConnectOptions,
): Promise<{ client: SshClient; hostKey: PresentedHostKey }> {
  const timeoutMs = opts.readyTimeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let presented: PresentedHostKey | null = null;
    let verdict: AppError | HostKeyProbe | null = null;
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(verdict ?? classifySshError(err, { label: target.label, timeoutMs }));
    };

    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.username,
      readyTimeout: timeoutMs,
      keepaliveInterval: opts.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: opts.keepaliveCountMax ?? 3,
      hostVerifier: (blob: Buffer) => {
        presented = describeHostKey(blob);
        if (opts.probeOnly) {
          verdict = new HostKeyProbe(presented);
          return false;
        }
        const trusted = target.trustedHostKey;
        if (!trusted) {
          verdict = hostKeyUnknown(target, presented);
          return false;
        }
        if (trusted.key !== presented.key) {
          verdict = hostKeyMismatch(target, trusted, presented);
          return false;
        }
        return true;
      },
      ...(sock ? { sock } : {}),
    };
    if (target.auth.kind === 'key') {
      config.privateKey = target.auth.privateKey;
      if (target.auth.passphrase) config.passphrase = target.auth.passphrase;
    } else if (target.auth.kind === 'password') {
      config.password = target.auth.password;
      config.tryKeyboard = false;
    } else {
      config.agent = target.auth.socket;
    }

    client.once('ready', () => {
      if (settled) return;
      settled = true;
      // Small request/response exchanges: without TCP_NODELAY, Nagle plus delayed ACKs add ~40 ms
      // to every command's round trip.
      client.setNoDelay(true);
      resolve({ client, hostKey: presented! });
    });
    client.on('error', fail);
    client.once('close', () => fail(new Error('connection closed during the handshake')));
    try {
      client.connect(config);
    } catch (err) {
      fail(err);
    }
  });
}

function hostKeyUnknown(target: SshTarget, presented: PresentedHostKey) {
  return new AppError(
    'HOST_KEY_UNKNOWN',
    `${target.label} presented a host key Hostdeck has not seen before (${presented.type} ${presented.fingerprint}).`,
    {
      hint: 'Compare the fingerprint with the one your provider shows (or `ssh-keygen -lf` on the server) and confirm it.',
    },
  );
}

function hostKeyMismatch(
  target: SshTarget,
  trusted: { fingerprint: string; trustedAt: string },
  presented: PresentedHostKey,
) {
  return new AppError(
    'HOST_KEY_MISMATCH',
    `Host key for ${target.label} changed since ${trusted.trustedAt.slice(0, 10)} (was ${trusted.fingerprint}, now ${presented.fingerprint}). Hostdeck did not connect.`,
    {
      hint: 'If the server was rebuilt, replace the key in Server → Security after checking the new fingerprint; otherwise do not connect: someone may be intercepting the connection.',
    },
  );
}
