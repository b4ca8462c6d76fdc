import { describe, expect, it } from 'vitest';
import { contract } from '../../src-main/api/contract';
import { checkOf, lockWarning, locksOf, overdue, retentionOf, runsOf } from '../../src-main/backups';

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

  it('takes only snapshot ids as restore input, and at least one part', () => {
    const input = contract.commands['backups.restore'].input;
    const siteId = '00000000-0000-4000-8000-000000000001';
    expect(input.safeParse({ siteId, database: 'abcdef12' }).success).toBe(true);
    expect(input.safeParse({ siteId, files: 'abcdef12' }).success).toBe(true);
    expect(input.safeParse({ siteId, database: 'abcdef12', files: '0123abcd' }).success).toBe(true);
    const neither = input.safeParse({ siteId });
    expect(neither.success).toBe(false);
    expect(neither.error?.issues[0]).toMatchObject({
      path: ['database'],
      message: 'choose the database, the files or both',
    });
    for (const snapshotId of ['latest', 'abc', "abcdef12'; rm -rf /", 'ABCDEF12']) {
      expect(input.safeParse({ siteId, database: snapshotId }).success, snapshotId).toBe(false);
      expect(input.safeParse({ siteId, files: snapshotId }).success, snapshotId).toBe(false);
    }
  });
});

describe('backups: never silent', () => {
  const now = Date.parse('2026-12-10T12:00:00Z');
  const run = (at: string) => ({ run: at, at, database: 'a'.repeat(64), files: 'b'.repeat(64) });

  it('says nothing while the newest backup is within its schedule and a grace period', () => {
    expect(overdue([run('2026-12-09T18:00:00Z')], 'daily', null, now)).toBeNull();
    expect(overdue([run('2026-12-04T12:00:00Z')], 'weekly', null, now)).toBeNull();
    // A schedule turned on an hour ago has not had its chance yet.
    expect(overdue([], 'daily', '2026-12-10T11:00:00Z', now)).toBeNull();
    // No schedule on the host: nothing is expected to happen by itself.
    expect(overdue([], null, null, now)).toBeNull();
  });

  it('names a schedule that made nothing, or a newest backup older than it should be', () => {
    expect(overdue([], 'daily', '2026-12-08T12:00:00Z', now)).toBe(
      "No backup yet, although the host's schedule (daily) has been on since 2026-12-08T12:00:00Z.",
    );
    expect(overdue([run('2026-12-07T12:00:00Z'), run('2026-12-06T12:00:00Z')], 'daily', null, now)).toBe(
      "The newest backup is 3 days old; the host's schedule (daily) should have made one since. Check the server's backup timer.",
    );
    expect(overdue([run('2026-12-10T09:30:00Z')], 'hourly', null, now)).toMatch(/2 hours old/);
    // A calendar expression counts as daily.
    expect(overdue([run('2026-12-08T03:00:00Z')], '*-*-* 03:00:00', null, now)).toMatch(/2 days old/);
  });
});

describe('backups: the repository check as the host records it', () => {
  it('reads ok and failed lines, and nothing from an empty or foreign one', () => {
    expect(checkOf('2026-12-01T10:00:00Z ok structure and indexes, 10% of the data read back')).toEqual({
      at: '2026-12-01T10:00:00Z',
      ok: true,
      detail: 'structure and indexes, 10% of the data read back',
    });
    expect(
      checkOf('2026-12-01T10:00:00Z failed structure and indexes: Pack ID does not match'),
    ).toMatchObject({
      ok: false,
      detail: 'structure and indexes: Pack ID does not match',
    });
    expect(checkOf('')).toBeNull();
    expect(checkOf(undefined)).toBeNull();
    expect(checkOf('garbage')).toBeNull();
  });
});

describe('backups: retention', () => {
  it('reads the host line, and the contract keeps at least the newest run', () => {
    expect(retentionOf('3 7 4 6')).toEqual({ last: 3, daily: 7, weekly: 4, monthly: 6 });
    expect(retentionOf('')).toBeNull();
    expect(retentionOf('3 7 4')).toBeNull();
    const input = contract.commands['backups.setup'].input;
    const serverId = '00000000-0000-4000-8000-000000000001';
    const retention = { last: 5, daily: 0, weekly: 0, monthly: 12 };
    expect(input.safeParse({ serverId, retention }).success).toBe(true);
    const none = input.safeParse({ serverId, retention: { ...retention, last: 0 } });
    expect(none.error?.issues[0]?.path).toEqual(['retention', 'last']);
    expect(input.safeParse({ serverId, retention: { ...retention, daily: 1000 } }).success).toBe(false);
    expect(input.safeParse({ serverId, retention: { ...retention, weekly: 1.5 } }).success).toBe(false);
  });
});

describe('backups: one file or folder back', () => {
  const input = contract.commands['backups.restore'].input;
  const siteId = '00000000-0000-4000-8000-000000000001';
  const files = 'abcdef12';
  it('takes paths the tenant owns, from the files snapshot only', () => {
    for (const path of [
      'current',
      'current/public/index.php',
      'shared/uploads/2026/a photo.jpg',
      'shared/storage/app',
    ]) {
      expect(input.safeParse({ siteId, files, path }).success, path).toBe(true);
    }
    expect(
      input.safeParse({ siteId, files, database: files, path: 'current' }).error?.issues[0],
    ).toMatchObject({
      path: ['path'],
      message: 'a single file or folder comes from the files snapshot only',
    });
  });
  it("refuses root's files, climbing out, absolute paths and control characters", () => {
    for (const path of [
      'shared/.env',
      'shared/wp-config.php',
      'shared/uploads/../../.env',
      'current/./x',
      '/etc/passwd',
      'tmp/x',
      'shared/uploads/a\nb',
      'shared/uploads/',
      `shared/uploads/${'x'.repeat(1100)}`,
      'shared/uploads/${HOME}',
    ]) {
      expect(input.safeParse({ siteId, files, path }).success, path).toBe(false);
    }
  });
});

describe('backups: offsite copies', () => {
  const a = '00000000-0000-4000-8000-00000000000a';
  const b = '00000000-0000-4000-8000-00000000000b';
  const siteId = '00000000-0000-4000-8000-000000000001';

  it('copies to another server only, or stops with null', () => {
    const input = contract.commands['backups.offsite'].input;
    expect(input.safeParse({ serverId: a, targetServerId: b }).success).toBe(true);
    expect(input.safeParse({ serverId: a, targetServerId: null }).success).toBe(true);
    const same = input.safeParse({ serverId: a, targetServerId: a });
    expect(same.error?.issues[0]).toMatchObject({ path: ['targetServerId'] });
    expect(input.safeParse({ serverId: a }).success).toBe(false);
  });

  it("restores and lists another server's site only by its slug, and with the hand-over confirmed", () => {
    const restore = contract.commands['backups.restore'].input;
    const list = contract.commands['backups.list'].input;
    const files = 'abcdef12';
    expect(
      restore.safeParse({ siteId, fromServerId: a, fromSlug: 'blog', handOver: true, files }).success,
    ).toBe(true);
    expect(
      restore.safeParse({ siteId, fromServerId: a, handOver: true, files }).error?.issues[0],
    ).toMatchObject({
      path: ['fromSlug'],
    });
    expect(
      restore.safeParse({ siteId, fromServerId: a, fromSlug: 'blog', files }).error?.issues[0],
    ).toMatchObject({ path: ['handOver'] });
    expect(
      restore.safeParse({ siteId, fromServerId: 'web-1', fromSlug: 'blog', handOver: true, files }).success,
    ).toBe(false);
    expect(list.safeParse({ siteId, fromServerId: a, fromSlug: 'blog' }).success).toBe(true);
    expect(list.safeParse({ siteId, fromServerId: a }).error?.issues[0]).toMatchObject({
      path: ['fromSlug'],
    });
  });
});

describe('backups: repository locks', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');

  it('reads the host line, leaving out what it cannot read', () => {
    expect(
      locksOf('4242@web-1 2026-12-01T11:59:00Z alive,17@web-1 2026-11-30T03:00:00+00:00 gone,junk'),
    ).toEqual([
      { pid: 4242, host: 'web-1', since: '2026-12-01T11:59:00Z', state: 'alive' },
      { pid: 17, host: 'web-1', since: '2026-11-30T03:00:00+00:00', state: 'gone' },
    ]);
    expect(locksOf('')).toEqual([]);
    expect(locksOf('1@a;b 2026 alive')).toEqual([]);
  });

  it('names a stale lock and its owner, and a lock held longer than a run may take', () => {
    expect(lockWarning([], now)).toBeNull();
    expect(lockWarning(locksOf('4242@web-1 2026-12-01T11:00:00Z alive'), now)).toBeNull();
    expect(lockWarning(locksOf('9@web-2 2026-11-01T00:00:00Z elsewhere'), now)).toBeNull();
    expect(lockWarning(locksOf('17@web-1 2026-11-30T03:00:00Z gone'), now)).toBe(
      'A lock of a backup that is gone (process 17 on web-1, since 2026-11-30T03:00:00Z) is on the repository: the next run removes it, or back up now.',
    );
    expect(lockWarning(locksOf('4242@web-1 2026-12-01T05:00:00Z alive'), now)).toMatch(
      /^Process 4242 on web-1 has held the repository since 2026-12-01T05:00:00Z, longer than a run may take/,
    );
  });
});
