/**
 * hostdeck CLI: the same contract commands, in-process, JSON in / JSON out.
 *
 *   hostdeck commands [--json]                 list commands (with JSON schemas when --json)
 *   hostdeck call <command> ['<json>'] [--wait] call one; --wait follows a started job to its end
 *   hostdeck call <command> - [--wait]          the same, the JSON input read from stdin (secrets
 *                                               go this way: argv is in `ps` and shell history)
 *   options: --data-dir DIR (default: the app's user-data directory, or $HOSTDECK_DATA_DIR)
 *
 * Exit codes: 0 ok, 1 the command failed (error JSON on stderr), 2 bad usage.
 */
import { join } from 'node:path';
import { contract, commandNames, finalJobStates } from '@contract';
import type { JobSummary } from '@contract';
import { z } from 'zod';
import { AppError } from '../base/app-error';
import { createHostdeck } from '../core/hostdeck';
import { defaultDataDir } from './data-dir';

declare const __HOSTDECK_VERSION__: string | undefined;

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** All of stdin, for `call <command> -`. */
  readStdin?: () => Promise<string>;
}

/** Input fields that carry a secret: never accepted on the command line. */
const SECRET_FIELDS = new Set(['password', 'passphrase', 'privateKey', 'current', 'next', 'token', 'secret']);

/** The dotted path of the first secret field with a value in INPUT, if any. */
export function secretFieldIn(input: unknown, path: string[] = []): string | null {
  if (Array.isArray(input)) {
    for (const [i, v] of input.entries()) {
      const found = secretFieldIn(v, [...path, String(i)]);
      if (found) return found;
    }
  } else if (input && typeof input === 'object') {
    for (const [k, v] of Object.entries(input)) {
      if (SECRET_FIELDS.has(k) && typeof v === 'string' && v !== '') return [...path, k].join('.');
      const found = secretFieldIn(v, [...path, k]);
      if (found) return found;
    }
  }
  return null;
}

export async function runCli(argv: string[], io: Io = stdio()): Promise<number> {
  const args = [...argv];
  const flag = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return false;
    args.splice(i, 1);
    return true;
  };
  const option = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const value = args[i + 1];
    args.splice(i, 2);
    return value;
  };
  const dataDir = option('--data-dir') ?? defaultDataDir();
  const asJson = flag('--json');
  const wait = flag('--wait');
  const [verb, name, rawInput] = args;

  if (verb === 'commands') {
    if (asJson) {
      const list = commandNames.map((n) => ({
        name: n,
        summary: contract.commands[n].summary,
        input: z.toJSONSchema(contract.commands[n].input, { io: 'input' }),
      }));
      io.out(JSON.stringify(list, null, 2));
    } else {
      const width = Math.max(...commandNames.map((n) => n.length));
      for (const n of commandNames) io.out(`${n.padEnd(width)}  ${contract.commands[n].summary}`);
    }
    return 0;
  }
  if (verb !== 'call' || !name) {
    io.err(usage);
    return 2;
  }
  let input: unknown = {};
  const fromStdin = rawInput === '-';
  if (rawInput !== undefined) {
    try {
      input = JSON.parse(fromStdin ? await (io.readStdin ?? readAllStdin)() : rawInput);
    } catch {
      io.err(JSON.stringify({ code: 'VALIDATION', message: 'The input is not valid JSON.', hint: usage }));
      return 2;
    }
  }
  const secret = fromStdin ? null : secretFieldIn(input);
  if (secret) {
    io.err(
      JSON.stringify({
        code: 'VALIDATION',
        field: secret,
        message: `${secret}: refused on the command line, where every local user can read it (ps) and your shell history keeps it.`,
        hint: `Pass the input on stdin instead: hostdeck call ${name} - < input.json (or pipe it from your password manager).`,
      }),
    );
    return 2;
  }

  let hostdeck;
  try {
    hostdeck = createHostdeck({
      dataDir,
      version: typeof __HOSTDECK_VERSION__ === 'string' ? __HOSTDECK_VERSION__ : 'dev',
      // Built to out/main/cli.js: the scripts sit at the project root, two levels up.
      scriptsDir: process.env.HOSTDECK_SCRIPTS_DIR ?? join(__dirname, '..', '..', 'server-scripts'),
    });
  } catch (err) {
    if (err instanceof AppError) {
      io.err(JSON.stringify(err.toApiError()));
      return 1;
    }
    throw err;
  }
  try {
    const result = await hostdeck.router.dispatch(name, input, { actor: 'cli' });
    if (!result.ok) {
      io.err(JSON.stringify(result.error));
      return 1;
    }
    const jobId = (result.value as { jobId?: unknown } | null)?.jobId;
    if (wait && typeof jobId === 'string') {
      const stop = hostdeck.events.listen((event, payload) => {
        if (event === 'jobs.log') {
          for (const line of payload as { jobId: string; text: string }[])
            if (line.jobId === jobId) io.err(line.text);
        }
      });
      const final: JobSummary = await hostdeck.jobs.wait(jobId);
      stop();
      io.out(JSON.stringify(final, null, 2));
      return finalJobStates.includes(final.state) && final.state === 'succeeded' ? 0 : 1;
    }
    io.out(JSON.stringify(result.value, null, 2));
    return 0;
  } finally {
    await hostdeck.close();
  }
}

const usage = `usage: hostdeck commands [--json]
       hostdeck call <command> ['<json input>' | -] [--wait] [--data-dir DIR]
       (- reads the JSON input from stdin: the way for anything with a password, passphrase or key)`;

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function stdio(): Io {
  return { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) };
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
