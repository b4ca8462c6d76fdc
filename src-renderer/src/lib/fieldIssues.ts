/** Turns the contract's zod issues and the API's field errors into one message per form field. */

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

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

/**
 * The first message for each field, keyed by its dotted path ("domain", "php.memoryLimit"). An item
 * of a list is named in its message (taken from `input`, what was parsed), so "the second alias" is
 * findable in a long list.
 */
export function issuesByField(result: ParseResult, input?: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of result.error?.issues ?? []) {
    const field = formField(issue.path.map(String).join('.'));
    if (out[field] !== undefined) continue;
    const depth = field.split('.').length;
    const item =
      typeof issue.path[depth] === 'number' ? valueAt(input, issue.path.slice(0, depth + 1)) : null;
    out[field] = typeof item === 'string' ? `${item}: ${issue.message}` : issue.message;
  }
  return out;
}
