import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

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
