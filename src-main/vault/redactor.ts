/**
 * Knows the secret strings in use in this process and blanks them out of any text bound for a log,
 * a job output or an error. Fed by the vault whenever it decrypts or stores a value.
 */
export class SecretRedactor {
  private readonly values = new Set<string>();
  private ordered: string[] = [];

  add(value: string): void {
    // Very short values would blank ordinary words; the vault refuses them as master passwords and
    // they are not worth hiding elsewhere.
    const before = this.values.size;
    if (value.length >= 4) this.values.add(value);
    for (const line of value.split(/\r?\n/)) if (line.length >= 16) this.values.add(line);
    // Longest first, so a value that contains another (a password starting with the user name) is
    // blanked whole rather than in part.
    if (this.values.size !== before) this.ordered = [...this.values].sort((a, b) => b.length - a.length);
  }

  redact = (text: string): string => {
    let out = text;
    for (const v of this.ordered) if (out.includes(v)) out = out.split(v).join('[secret]');
    return out;
  };
}
