import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { tar } from './tar';
import type { TarEntry } from './tar';

export interface ScriptBundle {
  /** Content hash: the remote directory name, so each version is uploaded once. */
  version: string;
  modules: string[];
  /** A ustar archive of the scripts plus a SHA256SUMS file the host checks. */
  archive: Buffer;
  files: number;
}

/** Reads server-scripts/ into a versioned, checksummed bundle. */
export function loadBundle(dir: string): ScriptBundle {
  const entries: TarEntry[] = walk(dir)
    .filter((f) => f.endsWith('.sh') || f.endsWith('.conf') || f.endsWith('.caddy') || f.endsWith('.html'))
    .sort()
    .map((file) => {
      const path = relative(dir, file).split(sep).join('/');
      return { path, mode: file.endsWith('.sh') ? 0o755 : 0o644, content: readFileSync(file) };
    });
  const sums = entries.map((e) => `${sha256(e.content)}  ${e.path}\n`).join('');
  const version = sha256(Buffer.from(sums)).slice(0, 16);
  const modules = entries
    .filter((e) => e.path.startsWith('modules/') && e.path.endsWith('.sh'))
    .map((e) => e.path.slice('modules/'.length, -'.sh'.length));
  const archive = tar([...entries, { path: 'SHA256SUMS', mode: 0o644, content: Buffer.from(sums) }]);
  return { version, modules, archive, files: entries.length };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}
