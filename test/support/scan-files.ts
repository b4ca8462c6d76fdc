import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A value that must never be found on disk, with the name a failure reports (never the value). */
export interface Needle {
  name: string;
  bytes: Buffer;
}

export const needle = (name: string, value: string | Buffer): Needle => ({
  name,
  bytes: typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
});

/** Every regular file below `dir` (recursively), as absolute paths. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Reads each file as raw bytes and reports every needle found in it, as "<needle name> in <file>".
 * A file that vanishes between listing and reading (a WAL removed by a checkpoint) is skipped.
 */
export function findNeedles(files: string[], needles: Needle[]): string[] {
  const hits: string[] = [];
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const n of needles)
      if (n.bytes.length > 0 && bytes.includes(n.bytes)) hits.push(`${n.name} in ${file}`);
  }
  return hits;
}
