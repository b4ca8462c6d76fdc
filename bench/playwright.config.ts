import { defineConfig } from '@playwright/test';
import base from '../playwright.config';

// Benchmarks that need the renderer in Chromium (npm run bench:terminal). Not part of npm test.
export default defineConfig({
  ...base,
  tsconfig: '../tsconfig.node.json',
  outputDir: '../test-results/bench-artifacts',
  testDir: '.',
  testMatch: '**/*.bench.spec.ts',
  timeout: 600_000,
  reporter: [['list']],
});
