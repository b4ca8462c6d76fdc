import { defineConfig } from '@playwright/test';

// e2e tier: the built renderer (out/renderer) in Debian's Chromium, wired to the real services by
// the test bridge (test/e2e/bridge). `npm run test:e2e` builds first.
export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  tsconfig: './tsconfig.node.json',
  outputDir: 'test-results/e2e-artifacts',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list'], ['json', { outputFile: '.vitest-results/e2e.json' }]],
  use: {
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.HOSTDECK_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    },
  },
});
