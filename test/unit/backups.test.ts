import { describe, expect, it } from 'vitest';
import { contract } from '../../src-main/api/contract';
import { runsOf } from '../../src-main/backups';

const snap = (id: string, time: string, tags: string[]) => ({ id, time, tags });

describe('backups: runs from restic snapshots', () => {
  it("pairs each run's database and files snapshots by their run tag, newest run first", () => {
    const runs = runsOf([
      snap('a'.repeat(64), '2026-12-01T10:00:01Z', ['hd-site=shop', 'hd-run=20261201T100000Z', 'hd-part=db']),
      snap('b'.repeat(64), '2026-12-01T10:00:03Z', [
        'hd-site=shop',
        'hd-run=20261201T100000Z',
        'hd-part=files',
      ]),
      snap('c'.repeat(64), '2026-12-02T10:00:01Z', ['hd-site=shop', 'hd-run=20261202T100000Z', 'hd-part=db']),
      // Not ours (no run or part tag): ignored.
      snap('d'.repeat(64), '2026-12-02T11:00:00Z', ['manual']),
    ]);
    expect(runs).toEqual([
      { run: '20261202T100000Z', at: '2026-12-02T10:00:01Z', database: 'c'.repeat(64), files: null },
      {
        run: '20261201T100000Z',
        at: '2026-12-01T10:00:01Z',
        database: 'a'.repeat(64),
        files: 'b'.repeat(64),
      },
    ]);
  });

  it('takes only snapshot ids as restore input', () => {
    const input = contract.commands['backups.restoreDatabase'].input;
    const siteId = '00000000-0000-4000-8000-000000000001';
    expect(input.safeParse({ siteId, snapshotId: 'abcdef12' }).success).toBe(true);
    for (const snapshotId of ['latest', 'abc', "abcdef12'; rm -rf /", 'ABCDEF12']) {
      expect(input.safeParse({ siteId, snapshotId }).success, snapshotId).toBe(false);
    }
  });
});
