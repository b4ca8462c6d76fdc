// `./dev.sh start` after `./dev.sh test` (issue #21): the tests install the electron package without
// its runtime binary, so start must fetch it, or say in one sentence why it cannot and what to do.
// These run scripts/ensure-electron.sh, the part of `dev.sh start` that decides, against a copy of
// the real electron package (its own installer, aimed at a closed loopback port as its mirror, so
// the download fails here the way an unreachable GitHub does, without traffic leaving the machine).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../support/temp-dirs';

const root = join(__dirname, '..', '..');
const dirs = tempDirs('hostdeck-dev-start-');
afterEach(() => dirs.removeAll());

/** A project dir whose node_modules is the real one, but with an electron package lacking its binary. */
function projectWithoutElectronBinary(): string {
  const dir = dirs.make();
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (name !== 'electron' && name !== '.bin')
      symlinkSync(join(root, 'node_modules', name), join(modules, name));
  }
  cpSync(join(root, 'node_modules', 'electron'), join(modules, 'electron'), { recursive: true });
  rmSync(join(modules, 'electron', 'dist'), { recursive: true, force: true });
  rmSync(join(modules, 'electron', 'path.txt'), { force: true });
  return dir;
}

function ensureElectron(cwd: string) {
  return spawnSync(
    'bash',
    ['-c', 'source "$1" && hd_ensure_electron', 'test', join(root, 'scripts/ensure-electron.sh')],
    {
      cwd,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', ELECTRON_MIRROR: 'http://127.0.0.1:9/' },
    },
  );
}

describe('./dev.sh start after ./dev.sh test', () => {
  it('says in one sentence, without a stack trace, that the Electron runtime cannot be downloaded and what to do', () => {
    const r = ensureElectron(projectWithoutElectronBinary());
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Electron's runtime could not be downloaded/);
    expect(r.stderr).toMatch(/Run \.\/dev\.sh start where Electron's release downloads are reachable/);
    expect(r.stderr).toMatch(/\.\/dev\.sh test still builds the app and runs every test/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toMatch(/npx install-electron/);
    // One line saying it tries, one line saying why it could not.
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
  });

  it('goes on without a word when the runtime is there', () => {
    const dir = projectWithoutElectronBinary();
    mkdirSync(join(dir, 'node_modules', 'electron', 'dist'));
    writeFileSync(join(dir, 'node_modules', 'electron', 'dist', 'electron'), '');
    writeFileSync(join(dir, 'node_modules', 'electron', 'path.txt'), 'electron');
    const r = ensureElectron(dir);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });
});
