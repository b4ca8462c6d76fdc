import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function restrictedImports(filePath: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the layer rule (eslint no-restricted-imports)', () => {
  it.each([
    ["import { readFileSync } from 'node:fs';", 'a node: builtin'],
    ["import { readFileSync } from 'fs';", 'a bare builtin'],
    ["import { ipcRenderer } from 'electron';", 'electron'],
    ["import Database from 'better-sqlite3';", 'a native dependency'],
    ["import { createHostdeck } from '../../src-main/core/hostdeck';", 'main-process code'],
  ])('refuses renderer code importing %s (%s)', async (code) => {
    expect(await restrictedImports('src-renderer/src/features/x.ts', `${code}\nexport {};\n`)).not.toEqual(
      [],
    );
  });

  it('lets renderer code import the contract', async () => {
    expect(
      await restrictedImports(
        'src-renderer/src/x.ts',
        "import { contract } from '@contract';\nexport { contract };\n",
      ),
    ).toEqual([]);
  });

  it('refuses services importing electron, but lets the shell do so', async () => {
    const code = "import { app } from 'electron';\nexport { app };\n";
    expect(await restrictedImports('src-main/jobs/x.ts', code)).not.toEqual([]);
    expect(await restrictedImports('src-main/shell/x.ts', code)).toEqual([]);
    expect(await restrictedImports('src-main/index.ts', code)).toEqual([]);
  });

  it('keeps the contract and the preload free of Node modules', async () => {
    const code = "import { join } from 'node:path';\nexport { join };\n";
    expect(await restrictedImports('src-main/api/contract/x.ts', code)).not.toEqual([]);
    expect(await restrictedImports('src-preload/x.ts', code)).not.toEqual([]);
  });
});

describe('the layer rule (dependency-cruiser, .dependency-cruiser.cjs)', () => {
  // A small tree laid out like the real one, inside the repository so packages resolve from its
  // node_modules; each file makes one import, and the rule it breaks (if any) must be reported.
  const fixture = resolve(root, 'test-results', `layer-fixture-${process.pid}`);
  const files: Record<string, string> = {
    'src-main/base/app-error.ts': 'export type AppError = 1;\n',
    'src-main/infra/store/database.ts': 'export type Database = 1;\n',
    'src-main/core/hostdeck.ts': 'export type Hostdeck = 1;\n',
    'src-main/servers/service.ts': 'export type ServerService = 1;\n',
    'src-main/servers/index.ts': "export type { ServerService } from './service';\n",
    'src-main/sites/service.ts': 'export type SiteService = 1;\n',
    'src-main/infra/ssh/up.ts':
      "import type { SiteService } from '../../sites/service';\nexport type X = SiteService;\n",
    'src-main/sites/inside.ts':
      "import type { ServerService } from '../servers/service';\nexport type X = ServerService;\n",
    'src-main/sites/root.ts':
      "import type { Hostdeck } from '../core/hostdeck';\nexport type X = Hostdeck;\n",
    'src-main/vault/ssh.ts': "import ssh2 from 'ssh2';\nexport const x = ssh2;\n",
    'src-main/jobs/sqlite.ts': "import Database from 'better-sqlite3';\nexport const x = Database;\n",
    'src-main/jobs/electron.ts': "import { app } from 'electron';\nexport const x = app;\n",
    'src-main/api/contract/node.ts': "import { join } from 'node:path';\nexport const x = join;\n",
    'src-main/api/contract/up.ts':
      "import type { Database } from '../../infra/store/database';\nexport type X = Database;\n",
    'src-main/index.ts':
      "import type { SiteService } from './sites/service';\nexport type X = SiteService;\n",
    'src-renderer/main.ts':
      "import type { Hostdeck } from '../src-main/core/hostdeck';\nexport type X = Hostdeck;\n",
    'src-main/sites/allowed.ts':
      "import type { ServerService } from '../servers';\nimport type { AppError } from '../base/app-error';\nexport type X = [ServerService, AppError];\n",
  };
  let violations: { from: string; rule: string }[] = [];

  beforeAll(() => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(fixture, path)), { recursive: true });
      writeFileSync(join(fixture, path), text);
    }
    copyFileSync(join(root, 'tsconfig.base.json'), join(fixture, 'tsconfig.base.json'));
    const run = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs'),
        '--config',
        join(root, '.dependency-cruiser.cjs'),
        '--output-type',
        'json',
        'src-main',
        'src-renderer',
      ],
      { cwd: fixture, encoding: 'utf8' },
    );
    const result = JSON.parse(run.stdout) as {
      summary: { violations: { from: string; rule: { name: string } }[] };
    };
    violations = result.summary.violations.map((v) => ({ from: v.from, rule: v.rule.name }));
  }, 60_000);
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));

  it.each([
    ['src-main/infra/ssh/up.ts', 'infra-knows-no-capability'],
    ['src-main/sites/inside.ts', 'capability-through-its-entry'],
    ['src-main/sites/root.ts', 'capabilities-know-no-root'],
    ['src-main/vault/ssh.ts', 'ssh2-only-in-infra-ssh'],
    ['src-main/jobs/sqlite.ts', 'sqlite-only-in-store-and-repositories'],
    ['src-main/jobs/electron.ts', 'electron-only-in-the-shell'],
    ['src-main/api/contract/node.ts', 'no-node-in-renderer-contract-or-preload'],
    ['src-main/api/contract/up.ts', 'base-stays-at-the-bottom'],
    ['src-renderer/main.ts', 'renderer-only-through-the-contract'],
    ['src-main/index.ts', 'capability-through-its-entry-from-the-root'],
  ])('refuses %s (%s)', (from, rule) => {
    expect(violations).toContainEqual({ from, rule });
  });

  it('lets a capability use another through its entry, and base from anywhere', () => {
    expect(violations.filter((v) => v.from === 'src-main/sites/allowed.ts')).toEqual([]);
  });
});
