import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TarReader } from '../../src-main/remote/untar';
import { tempDirs } from '../support/temp-dirs';

const dirs = tempDirs('hostdeck-untar-');
afterEach(() => dirs.removeAll());

/** What GNU tar writes for NAMES under DIR (the host side of a repository pull). */
const gnuTar = (dir: string, names: string[]) =>
  execFileSync('tar', ['-C', dir, '--no-recursion', '-cf', '-', ...names], { maxBuffer: 64 << 20 });

function read(archive: Buffer, chunk: number) {
  const files = new Map<string, Buffer>();
  const reader = new TarReader((name, content) => files.set(name, content));
  for (let i = 0; i < archive.length; i += chunk) reader.push(archive.subarray(i, i + chunk));
  reader.end();
  return files;
}

describe('TarReader', () => {
  it('reads every file of a real tar stream whole, however the stream is cut', () => {
    const dir = dirs.make();
    mkdirSync(join(dir, 'data/ab'), { recursive: true });
    const big = Buffer.alloc(70_001, 7);
    writeFileSync(join(dir, 'data/ab/one'), big);
    writeFileSync(join(dir, 'config'), 'cfg');
    writeFileSync(join(dir, 'empty'), '');
    const archive = gnuTar(dir, ['data/ab/one', 'config', 'empty']);
    for (const chunk of [1, 511, 512, 4096, archive.length]) {
      const files = read(archive, chunk);
      expect([...files.keys()]).toEqual(['data/ab/one', 'config', 'empty']);
      expect(files.get('data/ab/one')!.equals(big)).toBe(true);
      expect(files.get('config')!.toString()).toBe('cfg');
      expect(files.get('empty')!.length).toBe(0);
    }
  });

  it('refuses a link, a damaged header and an archive cut inside a file', () => {
    const dir = dirs.make();
    symlinkSync('/etc/shadow', join(dir, 'link'));
    writeFileSync(join(dir, 'file'), Buffer.alloc(5000, 1));
    expect(() => read(gnuTar(dir, ['link']), 512)).toThrow(/unexpected entry link/);
    const archive = gnuTar(dir, ['file']);
    const damaged = Buffer.from(archive);
    damaged[10] = damaged[10]! ^ 0xff;
    expect(() => read(damaged, 512)).toThrow(/checksum/);
    expect(() => read(archive.subarray(0, 2048), 512)).toThrow(/ended inside file/);
  });
});
