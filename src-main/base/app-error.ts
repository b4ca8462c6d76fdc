import type { ApiError, ErrorCode } from '@contract';

/** The one error type services throw for expected failures; it crosses the API as an ApiError value. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly field: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { hint?: string; field?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.hint = opts.hint;
    this.field = opts.field;
  }

  /** The error a nested call answered with, thrown on as this call's own. */
  static fromApi(e: ApiError): AppError {
    return new AppError(e.code, e.message, {
      ...(e.hint !== undefined ? { hint: e.hint } : {}),
      ...(e.field !== undefined ? { field: e.field } : {}),
    });
  }

  toApiError(): ApiError {
    const out: ApiError = { code: this.code, message: this.message };
    if (this.hint) out.hint = this.hint;
    if (this.field) out.field = this.field;
    return out;
  }
}

export const notFound = (what: string, id: string) =>
  new AppError('NOT_FOUND', `${what} ${id} does not exist.`, {
    hint: 'Refresh the list; it may have been removed.',
  });
