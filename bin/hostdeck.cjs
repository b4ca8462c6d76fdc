#!/usr/bin/env node
// Runs the built CLI (out/main/cli.js). `npm run cli -- …` builds first.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  console.error('Hostdeck is not built yet: run `npm run build` first.');
  process.exit(2);
}
require(cli)
  .runCli(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
