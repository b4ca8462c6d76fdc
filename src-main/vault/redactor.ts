/**
 * Knows the secret strings in use in this process and blanks them out of any text bound for a log,
 * a job output or an error. Fed by the vault whenever it decrypts or stores a value.
 */
export class SecretRedactor {
  private readonly values = new Set<string>();

  add(value: string): void {
    // Very short values would blank ordinary words; the vault refuses them as master passwords and
    // they are not worth hiding elsewhere.
    if (value.length >= 4) this.values.add(value);
    for (const line of value.split(/\r?\n/)) if (line.length >= 16) this.values.add(line);
  }

  clear(): void {
    this.values.clear();
  }

  redact = (text: string): string => {
    let out = text;
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join('[secret]');
    return out;
  };
}
