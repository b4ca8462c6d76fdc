import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Three vitest tiers (the fourth, e2e, is Playwright: playwright.config.ts). Each runs alone with
// `npm run test:<tier>`; `npm test` runs all four (scripts/test-all.mjs).
const root = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  resolve: { alias: { '@contract': resolve(root, 'src-main/api/contract/index.ts') } },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        extends: true,
        test: {
          name: 'ssh',
          include: ['test/ssh/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'vps',
          include: ['test/vps/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
          globalSetup: ['test/vps/global-setup.ts'],
        },
      },
      {
        // Benchmarks: not part of `npm test`; run by `npm run bench:*`. They print figures.
        extends: true,
        test: {
          name: 'bench',
          include: ['bench/**/*.run.ts'],
          testTimeout: 900_000,
          hookTimeout: 600_000,
          fileParallelism: false,
          globalSetup: ['test/vps/global-setup.ts'],
        },
      },
    ],
  },
});
