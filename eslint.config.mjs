// Lint rules, including the layer rule from docs/ARCHITECTURE.md:
//   renderer code never imports Node modules, electron or main-process code (only the contract);
//   services never import electron (only src-main/index.ts and src-main/shell/ may);
//   the contract and the preload stay free of Node modules (the contract is shared with the renderer,
//   the preload runs sandboxed).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const nativeDeps = ['better-sqlite3', 'ssh2', 'node-ssh', 'keytar', 'mysql2', 'ws'];

const restrict = (message, names, patterns = []) => [
  'error',
  {
    paths: names.map((name) => ({ name, message })),
    patterns: patterns.map((regex) => ({ regex, message })),
  },
];

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      '.cache/**',
      '.tools/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': restrict(
        'The renderer talks to main only through window.hostdeck (see src-renderer/src/api/client.ts).',
        [...nodeBuiltins, 'electron', ...nativeDeps],
        ['src-main', '^node:'],
      ),
    },
  },
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/index.ts', 'src-main/shell/**'],
    rules: {
      'no-restricted-imports': restrict(
        'Services know nothing of Electron: only src-main/index.ts and src-main/shell/ import it.',
        ['electron'],
      ),
    },
  },
  {
    files: ['src-main/api/contract/**/*.ts', 'src-preload/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        'The contract is shared with the renderer and the preload runs sandboxed: no Node modules here.',
        [...nodeBuiltins, ...nativeDeps],
        ['^node:', '\\.\\./(?!contract)'],
      ),
    },
  },
);
