/** Turns the contract's zod issues and the API's field errors into one message per form field. */

import { HostdeckError } from '../api/client';

interface ParseResult {
  success: boolean;
  error?: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
}

/** The form field an issue path belongs to: list items fold into their list ("aliases.2" → "aliases"). */
export function formField(path: string): string {
  const parts = path.split('.');
  const at = parts.findIndex((p) => /^\d+$/.test(p));
  return (at === -1 ? parts : parts.slice(0, at)).join('.');
}

/** The form field, one of `fields`, that an API error is about; undefined when it names none of them. */
export function apiErrorField(err: unknown, fields: readonly string[]): string | undefined {
  const field = err instanceof HostdeckError && err.field ? formField(err.field) : undefined;
  return field && fields.includes(field) ? field : undefined;
}

/**
 * The first message for each field, keyed by its dotted path ("domain", "php.memoryLimit"). An item
 * of a list is named in its message, so "the second alias" is findable in a long list.
 */
export function issuesByField(result: ParseResult, lists: Record<string, readonly string[]> = {}) {
  const out: Record<string, string> = {};
  for (const issue of result.error?.issues ?? []) {
    const path = issue.path.map(String).join('.');
    const field = formField(path);
    if (out[field] !== undefined) continue;
    const index = issue.path[field.split('.').length];
    const item = typeof index === 'number' ? lists[field]?.[index] : undefined;
    out[field] = item === undefined ? issue.message : `${item}: ${issue.message}`;
  }
  return out;
}
