// Helpers for the frankenphp module tests: the labelled FrankenPHP stand-in (test/stand-ins/,
// never shipped: the real binary cannot be downloaded here, see ENVIRONMENT.md) and a host layer
// with Debian's PHP CLI, which the stand-in serves with.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureLayer } from '../harness/layers.js';
import { flushBridgeNeighbours } from './bridge.js';

// __dirname, not import.meta: Playwright (CommonJS transpile) loads this too.
export const STAND_IN_PATH = join(__dirname, '..', '..', 'stand-ins', 'frankenphp', 'frankenphp');
/** The stand-in's bytes (a bash script, so a string carries it on stdin unchanged). */
export const STAND_IN = readFileSync(STAND_IN_PATH, 'utf8');
export const STAND_IN_SHA = createHash('sha256').update(STAND_IN).digest('hex');

/** `hostdeck.sh frankenphp install` arguments that upload the stand-in (stdin: STAND_IN). */
export const UPLOAD_STAND_IN = ['--source', 'upload', '--sha256', STAND_IN_SHA, '--allow-unpinned-sha256'];

/** A layer with php8.2-cli installed by apt (for the stand-in's `php -S`). */
export async function phpCliLayer(): Promise<string> {
  flushBridgeNeighbours();
  return ensureLayer('hostdeck-php-cli-v1', async (h) => {
    const r = await h.exec(
      'apt-get -q -o Acquire::Retries=4 update && DEBIAN_FRONTEND=noninteractive apt-get -q -o Acquire::Retries=4 install -y --no-install-recommends php8.2-cli',
      { timeoutMs: 300_000 },
    );
    if (r.code !== 0) throw new Error(`php8.2-cli install failed: ${r.stderr}`);
  });
}
