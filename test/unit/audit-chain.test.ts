// The audit trail is tamper-evident: edits, removals, reordering and truncation made to the SQLite
// file outside Hostdeck are named by audit.verify.
import { afterEach, describe, expect, it } from 'vitest';
import type { Hostdeck } from '../../src-main/core/hostdeck';
import { tempDirs } from '../support/temp-dirs';
import { call, hostdecks, newMasterPassword } from './vault/vault-on-disk';

const dirs = tempDirs('hostdeck-audit-chain-');
const apps = hostdecks();

afterEach(async () => {
  await apps.closeAll();
  dirs.removeAll();
});

/** A vault and six audited changes (ids 1..7: vault.setup, then settings.update × 6). */
async function trail(): Promise<{ hd: Hostdeck; dir: string; master: string; ids: number[] }> {
  const dir = dirs.make();
  const hd = apps.open(dir);
  const master = newMasterPassword();
  await call(hd, 'vault.setup', { password: master });
  for (const theme of ['dark', 'light', 'dark', 'system', 'light', 'dark'] as const) {
    await call(hd, 'settings.update', { theme });
  }
  const ids = (await call(hd, 'audit.list', {})).map((e) => e.id).reverse();
  return { hd, dir, master, ids };
}

const verify = (hd: Hostdeck) => call(hd, 'audit.verify', {});

describe('audit trail: chained and signed', () => {
  it('verifies a trail Hostdeck wrote, signed through its last entry', async () => {
    const { hd, ids } = await trail();
    expect(ids).toHaveLength(7);
    expect(await verify(hd)).toEqual({
      ok: true,
      entries: 7,
      signedThrough: ids.at(-1),
      problem: null,
      brokenAt: null,
    });
  });

  it('names an entry changed in the file', async () => {
    const { hd, ids } = await trail();
    hd.db.prepare(`UPDATE audit SET detail = '{"before":"forged"}' WHERE id = ?`).run(ids[3]);
    expect(await verify(hd)).toMatchObject({
      ok: false,
      brokenAt: ids[3],
      problem: expect.stringMatching(/changed/),
    });
  });

  it('names the entry after one that was removed', async () => {
    const { hd, ids } = await trail();
    hd.db.prepare(`DELETE FROM audit WHERE id = ?`).run(ids[2]);
    expect(await verify(hd)).toMatchObject({
      ok: false,
      brokenAt: ids[3],
      problem: expect.stringMatching(/removed/),
    });
  });

  it('notices two entries swapped', async () => {
    const { hd, ids } = await trail();
    const [a, b] = [ids[1]!, ids[4]!];
    hd.db.exec(`UPDATE audit SET id = -1 WHERE id = ${a}; UPDATE audit SET id = ${a} WHERE id = ${b};
      UPDATE audit SET id = ${b} WHERE id = -1;`);
    expect(await verify(hd)).toMatchObject({ ok: false, brokenAt: a });
  });

  it('notices entries cut from the end, and a trail emptied with its head', async () => {
    const { hd, ids } = await trail();
    hd.db.prepare(`DELETE FROM audit WHERE id >= ?`).run(ids[5]);
    expect(await verify(hd)).toMatchObject({
      ok: false,
      brokenAt: ids[6],
      problem: `the trail ends at entry ${ids[4]}, but the vault signed entry ${ids[6]}: entries were removed from its end`,
    });
    hd.db.exec(`DELETE FROM audit; DELETE FROM audit_head;`);
    expect(await verify(hd)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/head .* is missing/),
    });
  });

  it('notices a forged head (a re-chained trail with a made-up signature)', async () => {
    const { hd, ids } = await trail();
    hd.db.prepare(`UPDATE audit_head SET mac = 'AAAA' WHERE one = 1`).run();
    expect(await verify(hd)).toMatchObject({ ok: false, problem: expect.stringMatching(/head .* changed/) });
    expect(ids).toHaveLength(7);
  });

  it('signs entries written while locked at the next unlock, and records lock and unlock', async () => {
    const { hd, master } = await trail();
    await call(hd, 'vault.lock', {});
    // The CLI may change settings while locked; the head stays where the vault last signed it.
    await call(hd, 'settings.update', { theme: 'light' }, { actor: 'cli' });
    await call(hd, 'vault.unlock', { password: master });
    const entries = await call(hd, 'audit.list', {});
    expect(entries.slice(0, 3).map((e) => e.action)).toEqual([
      'vault.unlock',
      'settings.update',
      'vault.lock',
    ]);
    expect(await verify(hd)).toMatchObject({ ok: true, entries: 10, signedThrough: entries[0]!.id });
  });

  it('chains entries made before the chain existed and signs them at the first unlock', async () => {
    const { hd, dir, master } = await trail();
    // What an install upgraded from schema 5 looks like: no hashes, a 'legacy' head.
    hd.db.exec(
      `UPDATE audit SET prev_hash = NULL, hash = NULL; UPDATE audit_head SET entry_id = 0, hash = '', mac = 'legacy';`,
    );
    await apps.closeAll();
    const reopened = apps.open(dir);
    await call(reopened, 'vault.unlock', { password: master });
    expect(await verify(reopened)).toMatchObject({ ok: true, entries: 8 });
    expect((await verify(reopened)).signedThrough).toBe((await call(reopened, 'audit.list', {}))[0]!.id);
  });
});
