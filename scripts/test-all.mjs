#!/usr/bin/env node
// `npm test`: runs the four tiers in order (unit, ssh, vps, e2e), each as its own process, and ends
// with one line "N passed, N failed, N skipped" summed over all tiers. A tier that crashes without
// writing results counts as a failure. HOSTDECK_TIERS=unit,ssh limits the run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const results = join(root, '.vitest-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const vitest = (tier) => [
  npx,
  [
    'vitest',
    'run',
    '--project',
    tier,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${join(results, `${tier}.json`)}`,
  ],
];
const tiers = {
  unit: [vitest('unit')],
  ssh: [vitest('ssh')],
  vps: [vitest('vps')],
  e2e: [
    [npx, ['electron-vite', 'build']],
    [npx, ['playwright', 'test']],
  ],
};

const wanted = (process.env.HOSTDECK_TIERS ?? Object.keys(tiers).join(',')).split(',').map((t) => t.trim());
const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];

for (const tier of wanted) {
  const steps = tiers[tier];
  if (!steps) {
    console.error(`unknown tier "${tier}" (known: ${Object.keys(tiers).join(', ')})`);
    process.exit(2);
  }
  const started = Date.now();
  console.log(`\n=== ${tier} tier ===`);
  // A build step must succeed; a test step's results come from its JSON report, and a non-zero exit
  // with no failed test in the report (a crashed setup, say) still counts as a failure.
  let crashed = false;
  let testExit = 0;
  for (const [cmd, args, kind = args[0] === 'electron-vite' ? 'build' : 'test'] of steps) {
    const run = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
    if (kind === 'build' && run.status !== 0) {
      crashed = true;
      break;
    }
    if (kind === 'test') testExit = run.status ?? 1;
  }
  const counts = crashed ? null : readCounts(tier);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (!counts) {
    totals.failed += 1;
    lines.push(`${tier}: did not produce results (counted as 1 failure) in ${secs}s`);
    continue;
  }
  if (testExit !== 0 && counts.failed === 0) {
    counts.failed = 1;
    lines.push(`${tier}: exited ${testExit} without a failed test in its report (counted as 1 failure)`);
  }
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  lines.push(
    `${tier}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped in ${secs}s`,
  );
  // CI keeps only the tail of the output: name each failure (and its first message line) here.
  for (const f of counts.failures) lines.push(`  FAILED ${f}`);
}

console.log('\n=== summary ===');
for (const l of lines) console.log(l);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);

function readCounts(tier) {
  const file = join(results, `${tier}.json`);
  if (!existsSync(file)) return null;
  const json = JSON.parse(readFileSync(file, 'utf8'));
  const firstLine = (m) =>
    String(m ?? '')
      .split('\n')
      .find((l) => l.trim()) ?? '';
  if (tier === 'e2e') {
    const s = json.stats ?? {};
    const failures = [];
    const walk = (suite, path) => {
      for (const spec of suite.specs ?? []) {
        for (const t of spec.tests ?? []) {
          if (t.status !== 'unexpected') continue;
          const err = t.results?.at(-1)?.error?.message;
          failures.push(
            `${[...path, spec.title].join(' › ')} (${spec.file}:${spec.line}): ${firstLine(err)}`,
          );
        }
      }
      for (const child of suite.suites ?? []) walk(child, suite.title ? [...path, suite.title] : path);
    };
    for (const suite of json.suites ?? []) walk(suite, []);
    return {
      passed: (s.expected ?? 0) + (s.flaky ?? 0),
      failed: s.unexpected ?? 0,
      skipped: s.skipped ?? 0,
      failures,
    };
  }
  const failures = [];
  let failedSuites = 0;
  for (const r of json.testResults ?? []) {
    const file = r.name ? r.name.replace(root + '/', '') : '?';
    if (r.status === 'failed' && r.assertionResults?.length === 0) {
      failedSuites += 1;
      failures.push(`${file}: ${firstLine(r.message)}`);
    }
    for (const a of r.assertionResults ?? []) {
      if (a.status === 'failed')
        failures.push(`${file} › ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`);
    }
  }
  return {
    passed: json.numPassedTests ?? 0,
    failed: (json.numFailedTests ?? 0) + failedSuites,
    skipped: (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0),
    failures,
  };
}
