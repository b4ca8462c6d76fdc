// hostdeck.sh parses the options of the verb it runs and nothing else: an option that belongs to
// another verb of the module is refused (exit 2) naming that verb, before the script looks at
// the host (option parsing comes before the root and OS checks, so this runs anywhere).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const HOSTDECK = join(__dirname, '..', '..', 'server-scripts', 'hostdeck.sh');

function run(...args: string[]) {
  const r = spawnSync('bash', [HOSTDECK, ...args], { encoding: 'utf8', input: '' });
  const steps = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('HOSTDECK-STEP\t'))
    .map((l) => l.split('\t').slice(1));
  return { code: r.status, steps, stdout: r.stdout };
}

describe('hostdeck.sh options per verb', () => {
  it('refuses an option of another verb, naming the verb it belongs to', () => {
    const r = run('site', 'install', '--site', 'shop', '--repo', 'https://git.example.com/shop.git');
    expect(r.code).toBe(2);
    expect(r.steps).toHaveLength(1);
    const [state, name, detail] = r.steps[0]!;
    expect([state, name]).toEqual(['failed', 'option --repo']);
    expect(detail).toMatch(
      /^refused: --repo is an option of site deploy, not of site install; nothing was changed\./,
    );
    expect(detail).toContain('site install accepts: --aliases --check');
    expect(r.stdout).toMatch(/\nHOSTDECK-RESULT\tfailed\tok=0 changed=0 would-change=0 failed=1\n$/);
  });

  it('names every verb an option belongs to', () => {
    const r = run('ssh-hardening', 'disable', '--key-login-proven');
    expect(r.code).toBe(2);
    expect(r.steps[0]![2]).toMatch(
      /^refused: --key-login-proven is an option of ssh-hardening install and enable, not of ssh-hardening disable;/,
    );
  });

  it('refuses install options on the other lifecycle verbs, and still calls unknown options unknown', () => {
    expect(run('caddy', 'enable', '--acme-email', 'ops@example.com').steps[0]![2]).toMatch(
      /^refused: --acme-email is an option of caddy install, not of caddy enable;/,
    );
    expect(run('site', 'rollback', '--site', 'shop', '--backup').steps[0]![2]).toMatch(
      /is an option of site remove, not of site rollback;/,
    );
    const unknown = run('caddy', 'install', '--config', '/etc/passwd');
    expect(unknown.code).toBe(2);
    expect(unknown.steps[0]).toEqual([
      'failed',
      'option --config',
      'unknown option for caddy install; accepted: --acme-email --check --lock-timeout',
    ]);
  });
});
