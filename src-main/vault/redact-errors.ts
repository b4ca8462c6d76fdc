import type { Router } from '../base/call';

/**
 * Every error that leaves the router, whoever threw it, with the secrets this process has decrypted
 * blanked in its message and hint: an error text can quote a command's output, a server's answer or
 * the input that failed, and it is shown, logged and kept by the CLI's callers.
 */
export function redactErrors(inner: Router, redact: (text: string) => string): Router {
  return {
    async dispatch(name, input, caller) {
      const result = await inner.dispatch(name, input, caller);
      if (result.ok) return result;
      const { message, hint, ...rest } = result.error;
      return {
        ok: false,
        error: { ...rest, message: redact(message), ...(hint !== undefined ? { hint: redact(hint) } : {}) },
      };
    },
  };
}
