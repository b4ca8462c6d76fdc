import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandNames } from '@contract';
import type { AuditEntry, JobDetail, JobSummary } from '@contract';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/index';
import { latestSchemaVersion } from '../../src-main/infra/store/database';
import { childProcesses } from '../support/processes';
import { tempDirs } from '../support/temp-dirs';

const dirs = tempDirs('hostdeck-cli-');
const children = childProcesses();

afterEach(async () => {
  await children.killAll();
  dirs.removeAll();
});

/** Runs the CLI in-process against `dataDir` (never the user's real one), capturing both streams. */
async function hostdeck(dataDir: string, ...argv: string[]) {
  return hostdeckWithStdin(dataDir, '', ...argv);
}

async function hostdeckWithStdin(dataDir: string, stdin: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli([...argv, '--data-dir', dataDir], {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    readStdin: async () => stdin,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('hostdeck commands', () => {
  it('lists every contract command with its summary', async () => {
    const { code, out } = await hostdeck(dirs.make(), 'commands');
    expect(code).toBe(0);
    const listed = out.split('\n').map((line) => line.split(/\s+/)[0]);
    expect(listed).toEqual(commandNames);
    expect(out).toMatch(/jobs\.cancel\s+Ask a queued or running job to stop\./);
  });

  it('gives each command its input as a JSON schema with --json', async () => {
    const { code, out } = await hostdeck(dirs.make(), 'commands', '--json');
    expect(code).toBe(0);
    const list = JSON.parse(out) as { name: string; summary: string; input: Record<string, unknown> }[];
    expect(list.map((c) => c.name)).toEqual(commandNames);
    const jobsGet = list.find((c) => c.name === 'jobs.get');
    expect(jobsGet?.input).toMatchObject({
      type: 'object',
      properties: { id: { type: 'string' } },
      required: ['id'],
      additionalProperties: false,
    });
    expect(list.find((c) => c.name === 'jobs.list')?.input).toMatchObject({
      properties: { limit: { type: 'integer', minimum: 1, maximum: 500 } },
    });
  });
});

describe('hostdeck call with secrets', () => {
  it('refuses a password on the command line, naming the field and the stdin way, and changes nothing', async () => {
    const dataDir = dirs.make();
    const r = await hostdeck(dataDir, 'call', 'vault.setup', '{"password":"a master password on argv"}');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.err)).toMatchObject({
      code: 'VALIDATION',
      field: 'password',
      message: expect.stringMatching(/refused on the command line/),
      hint: expect.stringMatching(/hostdeck call vault\.setup - < input\.json/),
    });
    expect(r.err).not.toContain('a master password on argv');
    const status = await hostdeck(dataDir, 'call', 'vault.status');
    expect(JSON.parse(status.out)).toMatchObject({ state: 'uninitialised' });
  });

  it('refuses a nested secret too (a server added with a password)', async () => {
    const r = await hostdeck(
      dirs.make(),
      'call',
      'servers.add',
      JSON.stringify({
        name: 'a',
        host: 'h.test',
        port: 22,
        username: 'root',
        auth: { kind: 'password', password: 'pw-on-argv' },
      }),
    );
    expect(r.code).toBe(2);
    expect(JSON.parse(r.err)).toMatchObject({ field: 'auth.password' });
  });

  it('takes the same input on stdin with -', async () => {
    const dataDir = dirs.make();
    const r = await hostdeckWithStdin(
      dataDir,
      JSON.stringify({ password: 'a master password on stdin' }),
      'call',
      'vault.setup',
      '-',
    );
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ state: 'unlocked' });
  });
});

describe('hostdeck call', () => {
  it('prints app.info as JSON with the schema version', async () => {
    const dataDir = dirs.make();
    const { code, out, err } = await hostdeck(dataDir, 'call', 'app.info');
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(JSON.parse(out)).toMatchObject({
      name: 'Hostdeck',
      dataDir,
      schemaVersion: latestSchemaVersion(),
    });
    expect(existsSync(join(dataDir, 'instance.lock'))).toBe(false);
  });

  it('exits 1 with a VALIDATION error naming the field on stderr', async () => {
    const { code, out, err } = await hostdeck(dirs.make(), 'call', 'jobs.get', '{"id":5}');
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(JSON.parse(err)).toMatchObject({ code: 'VALIDATION', field: 'id' });
  });

  it('exits 1 with UNKNOWN_COMMAND for a name outside the contract', async () => {
    const { code, err } = await hostdeck(dirs.make(), 'call', 'nope');
    expect(code).toBe(1);
    expect(JSON.parse(err)).toMatchObject({ code: 'UNKNOWN_COMMAND' });
  });

  it('exits 2 on input that is not JSON, before opening the data directory', async () => {
    const dataDir = dirs.make();
    const { code, err } = await hostdeck(dataDir, 'call', 'jobs.list', '{limit: 5');
    expect(code).toBe(2);
    expect(JSON.parse(err.split('\n')[0] ?? '')).toMatchObject({
      code: 'VALIDATION',
      message: 'The input is not valid JSON.',
    });
    expect(existsSync(join(dataDir, 'hostdeck.sqlite'))).toBe(false);
  });

  it.each([[[]], [['call']], [['frobnicate']]])('exits 2 with usage for %j', async (argv) => {
    const { code, err } = await hostdeck(dirs.make(), ...argv);
    expect(code).toBe(2);
    expect(err).toMatch(/^usage: hostdeck/);
  });

  it('exits 1 with CONFLICT while another live process holds the data directory', async () => {
    const dataDir = dirs.make();
    const rival = children.idle();
    writeFileSync(join(dataDir, 'instance.lock'), String(rival.pid));
    const { code, err } = await hostdeck(dataDir, 'call', 'app.info');
    expect(code).toBe(1);
    expect(JSON.parse(err)).toMatchObject({ code: 'CONFLICT' });
  });

  it(
    'runs diagnostics to the end with --wait: a succeeded job with 5 steps',
    { timeout: 60_000 },
    async () => {
      const dataDir = dirs.make();
      const run = await hostdeck(dataDir, 'call', 'diagnostics.run', '{}', '--wait');
      expect(run.code, run.err).toBe(0);
      const job = JSON.parse(run.out) as JobSummary;
      expect(job).toMatchObject({ kind: 'diagnostics', state: 'succeeded', progress: 1, error: null });
      expect(job.counts.failed).toBe(0);
      expect(run.err).toMatch(/scrypt N=2\^17 r=8 p=1 took \d+ ms/);

      const got = await hostdeck(dataDir, 'call', 'jobs.get', JSON.stringify({ id: job.id }));
      const detail = JSON.parse(got.out) as JobDetail;
      expect(detail.steps).toHaveLength(5);
      expect(detail.steps.every((s) => s.state === 'ok' || s.state === 'skipped')).toBe(true);
      expect(detail.counts.ok + detail.steps.filter((s) => s.state === 'skipped').length).toBe(5);
    },
  );

  it("records settings.update in audit.list with actor 'cli'", async () => {
    const dataDir = dirs.make();
    const update = await hostdeck(dataDir, 'call', 'settings.update', '{"theme":"dark"}');
    expect(update.code).toBe(0);
    expect(JSON.parse(update.out)).toMatchObject({ theme: 'dark' });

    const audit = await hostdeck(dataDir, 'call', 'audit.list');
    const entries = JSON.parse(audit.out) as AuditEntry[];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: 'cli',
      action: 'settings.update',
      detail: { before: { theme: 'system' }, after: { theme: 'dark' } },
    });

    const settings = await hostdeck(dataDir, 'call', 'settings.get');
    expect(JSON.parse(settings.out)).toMatchObject({ theme: 'dark' });
  });
});
