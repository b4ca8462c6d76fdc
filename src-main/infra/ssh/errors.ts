import { AppError } from '../../base/app-error';

export interface SshErrorContext {
  /** How the operator knows the server, e.g. "web-1 (203.0.113.7:22)". */
  label: string;
  timeoutMs: number;
}

/**
 * Maps ssh2 / socket failures to the distinct errors the UI explains: unreachable, timeout,
 * auth failed, and a generic SSH error. Host-key outcomes are raised by the verifier itself.
 */
export function classifySshError(err: unknown, ctx: SshErrorContext): AppError {
  if (err instanceof AppError) return err;
  const e = err as NodeJS.ErrnoException & { level?: string };
  const message = e?.message ?? String(err);
  const code = e?.code ?? '';
  if (e?.level === 'client-authentication' || /All configured authentication methods failed/i.test(message)) {
    return new AppError('AUTH_FAILED', `${ctx.label} refused the credentials.`, {
      hint: 'Check the user name and the key or password in the vault. For a key, make sure its public half is in ~/.ssh/authorized_keys on the server ("Install my key" does this).',
      cause: err,
    });
  }
  if (/Timed out while waiting for handshake/i.test(message) || code === 'ETIMEDOUT') {
    return new AppError(
      'TIMEOUT',
      `${ctx.label} did not answer within ${Math.round(ctx.timeoutMs / 1000)} s.`,
      {
        hint: 'The host may be down, or a firewall may drop SSH silently. Check the address and port, then retry.',
        cause: err,
      },
    );
  }
  if (
    ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET'].includes(code)
  ) {
    const why =
      code === 'ECONNREFUSED'
        ? 'refused the connection (nothing listens on that port)'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'has a name that does not resolve'
          : code === 'ECONNRESET'
            ? 'closed the connection during the handshake'
            : 'cannot be reached from this machine';
    return new AppError('UNREACHABLE', `${ctx.label} ${why}.`, {
      hint: 'Check the host name, port and your network; if it was rebooted, wait and retry.',
      cause: err,
    });
  }
  return new AppError('SSH_ERROR', `SSH to ${ctx.label} failed: ${message}`, { cause: err });
}
