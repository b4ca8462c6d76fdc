import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test as base } from '@playwright/test';
import { commandNames, eventNames } from '../../src-main/api/contract';
import type { Bridge } from './bridge/server';
import { startBridge } from './bridge/server';
import { installShim } from './bridge/shim';
import { noKeychain, testKdf } from '../ssh/harness/app';

export const rendererDir = resolve(__dirname, '../../out/renderer');

/** Each test gets its own data directory, its own real services, and a page wired to them. */
export const MASTER_PASSWORD = 'e2e master password';

export const test = base.extend<{ bridge: Bridge; vault: 'unlocked' | 'new' }>({
  /** 'unlocked': the vault exists and is open (most tests); 'new': first run, no vault yet. */
  vault: ['unlocked', { option: true }],
  bridge: async ({ vault }, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hostdeck-e2e-'));
    // Cheap scrypt and no OS keychain: these tests are about the UI, not the KDF (unit tests are).
    const bridge = await startBridge({
      dataDir,
      rendererDir,
      services: { kdf: testKdf, keychain: noKeychain },
    });
    if (vault === 'unlocked') {
      const r = await bridge.hostdeck.router.dispatch(
        'vault.setup',
        { password: MASTER_PASSWORD },
        { actor: 'test-bridge' },
      );
      if (!r.ok) throw new Error(`vault setup failed: ${r.error.message}`);
    }
    await use(bridge);
    await bridge.close();
    rmSync(dataDir, { recursive: true, force: true });
  },
  page: async ({ page, bridge, vault }, use) => {
    await page.addInitScript(installShim, { commands: commandNames, events: eventNames });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    await page.goto(bridge.url);
    if (vault === 'unlocked') await page.getByRole('navigation', { name: 'Sections' }).waitFor();
    await use(page);
    // A CSP violation or an uncaught error in the renderer fails the test.
    if (errors.length > 0) throw new Error(`renderer errors:\n${errors.join('\n')}`);
  },
});

/** Calls the contract through the bridge's router, as the test's own setup (actor test-bridge). */
export const bridgeCall = (bridge: Bridge) => async (name: string, input: unknown) => {
  const r = await bridge.hostdeck.router.dispatch(name, input, { actor: 'test-bridge' });
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
  return r.value;
};

export { expect } from '@playwright/test';
