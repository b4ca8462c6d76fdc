import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src-main/remote/bundle';
import { LineSplitter, parseLine } from '../../src-main/remote/protocol';
import { commandLine, shellQuote } from '../../src-main/remote/shell-quote';
import { tar } from '../../src-main/remote/tar';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'hostdeck-prov-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the server-scripts line protocol', () => {
  it('parses step, status and result lines', () => {
    const parsed: [string, object][] = [
      [
        'HOSTDECK-STEP\tchanged\tpackage caddy\tinstalled 2.6.2',
        { kind: 'step', state: 'changed', name: 'package caddy', detail: 'installed 2.6.2' },
      ],
      [
        'HOSTDECK-STATUS\tcaddy\tdrift=Caddyfile,service',
        { kind: 'status', module: 'caddy', key: 'drift', value: 'Caddyfile,service' },
      ],
      [
        'HOSTDECK-RESULT\tok\tok=7 changed=0 failed=0',
        { kind: 'result', outcome: 'ok', counts: { ok: 7, changed: 0, failed: 0 } },
      ],
    ];
    for (const [line, want] of parsed) expect(parseLine(line), line).toEqual(want);
    expect(parseLine('HOSTDECK-STEP\twould-change\tfile /etc/caddy/Caddyfile\t')).toMatchObject({
      state: 'would-change',
      detail: '',
    });
  });

  it('treats anything else, including malformed tags, as plain output', () => {
    expect(parseLine('Reading package lists...')).toEqual({ kind: 'text', text: 'Reading package lists...' });
    expect(parseLine('HOSTDECK-STEP\tmaybe\tx\ty').kind).toBe('text');
    expect(parseLine('HOSTDECK-RESULT\tweird').kind).toBe('text');
  });

  it('reassembles lines and multi-byte characters split across chunks', () => {
    const s = new LineSplitter();
    const bytes = Buffer.from('HOSTDECK-STEP\tok\tcafé\t\nsecond line\npartial');
    const out: string[] = [];
    for (let i = 0; i < bytes.length; i += 3) out.push(...s.push(bytes.subarray(i, i + 3)));
    out.push(...s.end());
    expect(out).toEqual(['HOSTDECK-STEP\tok\tcafé\t', 'second line', 'partial']);
  });
});

describe('shell quoting', () => {
  it.each([
    'plain',
    "it's",
    '$(rm -rf /)',
    '`id`',
    'a;b|c&d',
    'new\nline',
    '../../etc',
    "''",
    'ünïcödé',
    '-n',
  ])('round-trips %j through a real sh as one argument', (value) => {
    const out = execFileSync('sh', ['-c', `printf %s ${shellQuote(value)}`]).toString();
    expect(out).toBe(value);
  });

  it('builds a command line whose words arrive intact', () => {
    const args = ['caddy', 'install', '--acme-email', "a'b@c.d; reboot"];
    const out = execFileSync('sh', ['-c', `printf '%s\\n' ${commandLine(args)}`]).toString();
    expect(out.trimEnd().split('\n')).toEqual(args);
  });

  it('refuses a NUL byte', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});

describe('the script bundle', () => {
  it('is a tar archive real tar extracts, with modes and checksums that verify', () => {
    const dir = temp();
    writeFileSync(join(dir, 'a.sh'), '#!/bin/sh\necho a\n');
    const out = temp();
    writeFileSync(
      join(out, 'x.tar'),
      tar([
        { path: 'a.sh', mode: 0o755, content: readFileSync(join(dir, 'a.sh')) },
        { path: 'modules/b.conf', mode: 0o644, content: Buffer.alloc(1000, 'b') },
      ]),
    );
    execFileSync('tar', ['-C', out, '-xf', join(out, 'x.tar')]);
    expect(readFileSync(join(out, 'a.sh'), 'utf8')).toBe('#!/bin/sh\necho a\n');
    expect(statSync(join(out, 'a.sh')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(out, 'modules/b.conf')).length).toBe(1000);
  });

  it('versions the real server-scripts by content, and verifies on extraction', () => {
    const bundle = loadBundle(join(__dirname, '../../server-scripts'));
    expect(bundle.version).toMatch(/^[0-9a-f]{16}$/);
    expect(bundle.modules).toEqual(expect.arrayContaining(['caddy', 'mariadb', 'firewall']));
    expect(loadBundle(join(__dirname, '../../server-scripts')).version).toBe(bundle.version);
    const out = temp();
    writeFileSync(join(out, 'b.tar'), bundle.archive);
    mkdirSync(join(out, 'x'));
    execFileSync('tar', ['-C', join(out, 'x'), '-xf', join(out, 'b.tar')]);
    execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: join(out, 'x') });
    expect(statSync(join(out, 'x', 'hostdeck.sh')).mode & 0o111).not.toBe(0);
  });

  it('changes version when any script changes', () => {
    const dir = temp();
    mkdirSync(join(dir, 'modules'));
    writeFileSync(join(dir, 'hostdeck.sh'), 'x');
    writeFileSync(join(dir, 'modules', 'm.sh'), 'y');
    const before = loadBundle(dir).version;
    writeFileSync(join(dir, 'modules', 'm.sh'), 'z');
    expect(loadBundle(dir).version).not.toBe(before);
  });
});
