/** Host names as the operator types them: split into a list, and look-alike characters named. */

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
