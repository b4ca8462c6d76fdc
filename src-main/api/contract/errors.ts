/**
 * Failures cross every boundary (IPC, WebSocket bridge, CLI) as values, never as thrown objects:
 * Electron's invoke() keeps only the message of a thrown error.
 */
export const errorCodes = [
  'VALIDATION', // input failed the contract schema; `field` names the offending path
  'UNKNOWN_COMMAND', // not in the contract
  'FORBIDDEN', // caller not allowed (e.g. IPC from an unexpected frame)
  'NOT_FOUND',
  'CONFLICT',
  'INVALID_STATE', // e.g. cancelling a job that already ended
  'UNAVAILABLE', // an optional facility (keychain, ssh-agent) is not present here
  'LOCKED', // the vault is locked: unlock it first
  'WRONG_PASSWORD',
  'TAMPERED', // a ciphertext or wrapped key failed authentication
  'UNREACHABLE', // SSH: connection refused / no route / DNS
  'TIMEOUT', // SSH: no answer in time
  'AUTH_FAILED', // SSH: credentials refused
  'HOST_KEY_UNKNOWN', // SSH: first connection, the fingerprint needs confirming
  'HOST_KEY_MISMATCH', // SSH: the server presented a different host key than the one trusted
  'SSH_ERROR', // SSH: any other protocol or channel failure
  'INTERNAL',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export interface ApiError {
  code: ErrorCode;
  /** One human sentence: what went wrong. Never contains a secret. */
  message: string;
  /** What to do next. */
  hint?: string;
  /** For VALIDATION: the dotted path of the first offending field, e.g. "target.host". */
  field?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };
