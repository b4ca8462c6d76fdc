/**
 * Quotes one argument for a POSIX shell command line: the whole value in single quotes, each single
 * quote closed, escaped and reopened. Every argument Hostdeck puts on a remote command line goes
 * through this (and is validated first); nothing is ever spliced in raw.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('refusing to quote a NUL byte');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export const commandLine = (args: readonly string[]) => args.map(shellQuote).join(' ');
