// The layer rule of docs/ARCHITECTURE.md, enforced on every import (type-only ones too):
//   base (src-main/base, the contract) → infra → remote → capabilities (each imported by others only
//   through its index.ts) → core (the composition root) → api router / shell / cli / src-main/index.ts.
// ssh2 only in infra/ssh; better-sqlite3 only in infra/store and repositories; electron only in the
// shell, src-main/index.ts and the preload; the renderer reaches main only through the contract.
// test/unit/layer-rule.test.ts proves each rule refuses what it should.
const CAPABILITIES = '(app|jobs|vault|servers|provision|sites|backups|logs|terminal)';
const BASE = '^src-main/(base|api/contract)/';
const TOP = '^src-main/(core/|api/router|shell/|cli/|index\\.ts$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'base-stays-at-the-bottom',
      comment: 'base/ and the contract import only each other (and zod).',
      severity: 'error',
      from: { path: BASE },
      to: { path: '^src-main/', pathNot: BASE },
    },
    {
      name: 'infra-knows-no-capability',
      comment: 'infra/ (SSH, store, keychain) imports only base and infra.',
      severity: 'error',
      from: { path: '^src-main/infra/' },
      to: { path: '^src-main/', pathNot: [BASE, '^src-main/infra/'] },
    },
    {
      name: 'remote-knows-no-capability',
      comment: 'remote/ (scripts bundle, protocol, runner) imports only base, infra and itself.',
      severity: 'error',
      from: { path: '^src-main/remote/' },
      to: { path: '^src-main/', pathNot: [BASE, '^src-main/infra/', '^src-main/remote/'] },
    },
    {
      name: 'capabilities-know-no-root',
      comment: 'A capability never imports the composition root, the router, the shell or the CLI.',
      severity: 'error',
      from: { path: `^src-main/${CAPABILITIES}/` },
      to: { path: TOP },
    },
    {
      name: 'capability-through-its-entry',
      comment: "Another capability's files are reached only through its index.ts.",
      severity: 'error',
      from: { path: '^src-main/([^/]+)/' },
      to: {
        path: `^src-main/${CAPABILITIES}/`,
        pathNot: ['^src-main/$1/', `^src-main/${CAPABILITIES}/index\\.ts$`],
      },
    },
    {
      name: 'capability-through-its-entry-from-the-root',
      comment: 'src-main/index.ts reaches capabilities through their index.ts too.',
      severity: 'error',
      from: { path: '^src-main/[^/]+$' },
      to: {
        path: `^src-main/${CAPABILITIES}/`,
        pathNot: `^src-main/${CAPABILITIES}/index\\.ts$`,
      },
    },
    {
      name: 'ssh2-only-in-infra-ssh',
      severity: 'error',
      from: { path: '^src-', pathNot: '^src-main/infra/ssh/' },
      to: { path: 'node_modules/(@types/)?ssh2/' },
    },
    {
      name: 'sqlite-only-in-store-and-repositories',
      severity: 'error',
      from: { path: '^src-', pathNot: ['^src-main/infra/store/', 'repository\\.ts$'] },
      to: { path: 'node_modules/(@types/)?better-sqlite3/' },
    },
    {
      name: 'electron-only-in-the-shell',
      severity: 'error',
      from: { path: '^src-', pathNot: ['^src-main/index\\.ts$', '^src-main/shell/', '^src-preload/'] },
      to: { path: 'node_modules/electron/' },
    },
    {
      name: 'renderer-only-through-the-contract',
      severity: 'error',
      from: { path: '^src-renderer/' },
      to: { path: '^src-(main|preload)/', pathNot: '^src-main/api/contract/' },
    },
    {
      name: 'no-node-in-renderer-contract-or-preload',
      severity: 'error',
      from: { path: ['^src-renderer/', '^src-main/api/contract/', '^src-preload/'] },
      to: { dependencyTypes: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs'] },
  },
};
