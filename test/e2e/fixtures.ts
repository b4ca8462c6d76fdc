import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test as base } from '@playwright/test';
import { commandNames, eventNames } from '../../src-main/api/contract';
import type { Bridge } from './bridge/server';
import { startBridge } from './bridge/server';
import { installShim } from './bridge/shim';

export const rendererDir = resolve(__dirname, '../../out/renderer');

/** Each test gets its own data directory, its own real services, and a page wired to them. */
export const test = base.extend<{ bridge: Bridge }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures must destructure their dependencies
  bridge: async ({}, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hostdeck-e2e-'));
    const bridge = await startBridge({ dataDir, rendererDir });
    await use(bridge);
    await bridge.close();
    rmSync(dataDir, { recursive: true, force: true });
  },
  page: async ({ page, bridge }, use) => {
    await page.addInitScript(installShim, { commands: commandNames, events: eventNames });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    await page.goto(bridge.url);
    await page.getByRole('navigation', { name: 'Sections' }).waitFor();
    await use(page);
    // A CSP violation or an uncaught error in the renderer fails the test.
    if (errors.length > 0) throw new Error(`renderer errors:\n${errors.join('\n')}`);
  },
});

export { expect } from '@playwright/test';
