import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src-main/base/app-error';
import { childProcesses } from '../support/processes';
import { openedApps } from '../support/opened-apps';
import { tempDirs } from '../support/temp-dirs';

const dirs = tempDirs('hostdeck-lock-');
const children = childProcesses();
const apps = openedApps();
const open = apps.open;
const lockFile = (dataDir: string) => join(dataDir, 'instance.lock');

afterEach(async () => {
  await apps.closeAll();
  await children.killAll();
  dirs.removeAll();
});

describe('data-directory lock', () => {
  it('is held with our pid while open and removed on close', async () => {
    const dataDir = dirs.make();
    const hostdeck = open(dataDir);
    expect(readFileSync(lockFile(dataDir), 'utf8')).toBe(String(process.pid));
    await hostdeck.close();
    expect(existsSync(lockFile(dataDir))).toBe(false);
  });

  it('refuses a data directory whose lock is held by another live process, with CONFLICT', () => {
    const dataDir = dirs.make();
    const rival = children.idle();
    writeFileSync(lockFile(dataDir), String(rival.pid));

    let error: unknown;
    try {
      open(dataDir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(`pid ${rival.pid}`) });
    expect((error as AppError).hint).toMatch(/--data-dir/);
    // Refused before touching anything: the rival's lock stands and no database was opened.
    expect(readFileSync(lockFile(dataDir), 'utf8')).toBe(String(rival.pid));
    expect(existsSync(join(dataDir, 'hostdeck.sqlite'))).toBe(false);
  });

  it('takes over a lock left by a process that has died', async () => {
    const dataDir = dirs.make();
    writeFileSync(lockFile(dataDir), String(await children.deadPid()));
    open(dataDir);
    expect(readFileSync(lockFile(dataDir), 'utf8')).toBe(String(process.pid));
  });

  it('takes over a lock file that holds no pid', () => {
    const dataDir = dirs.make();
    writeFileSync(lockFile(dataDir), 'garbage');
    open(dataDir);
    expect(readFileSync(lockFile(dataDir), 'utf8')).toBe(String(process.pid));
  });

  it('lets this same process open a data directory it already holds (its own pid is no rival)', () => {
    const dataDir = dirs.make();
    open(dataDir);
    const second = open(dataDir);
    expect(readFileSync(lockFile(dataDir), 'utf8')).toBe(String(process.pid));
    expect(second.interruptedAtStart).toEqual([]);
  });
});
