/** Turns the contract's zod issues and the API's field errors into one message per form field. */

import { HostdeckError } from '../../api/client';

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

/** Host names typed one a line or separated by commas or spaces. */
export const splitNames = (text: string): string[] =>
  text
    .split(/[\s,]+/)
    .map((n) => n.trim())
    .filter(Boolean);

/**
 * Names the first character outside ASCII, which the operator cannot tell apart by eye (a Cyrillic
 * "о" looks like a Latin "o"): "character 3 is "о" (U+043E), not a Latin letter".
 */
export function nonAsciiNote(text: string): string | null {
  const chars = [...text];
  const at = chars.findIndex((c) => c.codePointAt(0)! > 0x7e);
  if (at === -1) return null;
  const c = chars[at]!;
  const code = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `character ${at + 1} is "${c}" (U+${code}), which only looks like a Latin letter or sign.`;
}

/** The schema's message, with the offending character named when it is a look-alike. */
export function domainMessage(message: string | undefined, value: string): string | undefined {
  if (message === undefined) return undefined;
  const note = nonAsciiNote(value);
  return note ? `${message}; ${note}` : message;
}
