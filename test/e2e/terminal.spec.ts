import type { Page } from '@playwright/test';
import { startSshd } from '../ssh/harness/sshd';
import type { Sshd } from '../ssh/harness/sshd';
import { addSshdServer } from '../support/trusted-server';
import { bridgeCall, expect, MASTER_PASSWORD, test } from './fixtures';

/**
 * A tap in the page records every chunk each terminal receives: the tail of its text, and a running
 * check that lines of `seq` output arrive complete and in order.
 */
async function installTap(page: Page) {
  await page.addInitScript(() => {
    type Tap = { tail: string; next: number; ok: boolean; carry: string; inSeq: boolean; chunks: number };
    const taps: Record<string, Tap> = {};
    (window as unknown as { taps: typeof taps }).taps = taps;
    (
      window as unknown as { __hostdeckTerminalTap: (id: string, text: string) => void }
    ).__hostdeckTerminalTap = (id, text) => {
      const t = (taps[id] ??= { tail: '', next: 1, ok: true, carry: '', inSeq: false, chunks: 0 });
      t.chunks += 1;
      t.tail = (t.tail + text).slice(-4000);
      const lines = (t.carry + text).split('\r\n');
      t.carry = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '1') t.inSeq = true;
        if (!t.inSeq) continue;
        if (/^\d+$/.test(line)) {
          if (Number(line) !== t.next) t.ok = false;
          t.next = Number(line) + 1;
        } else t.inSeq = false;
      }
    };
  });
}

const tap = (page: Page, index: number) =>
  page.evaluate((i) => {
    const taps = (window as unknown as { taps: Record<string, { tail: string; next: number; ok: boolean }> })
      .taps;
    const id = document.querySelectorAll('[data-testid=terminal]')[i]?.getAttribute('data-session');
    return id ? (taps[id] ?? null) : null;
  }, index);

/** The tap of one session, found by its id (its terminal may be off the page). */
const tapOf = (page: Page, sessionId: string) =>
  page.evaluate(
    (id) => (window as unknown as { taps: Record<string, { tail: string }> }).taps[id]?.tail ?? '',
    sessionId,
  );

test.describe('the SSH terminal', () => {
  let sshd: Sshd;
  test.beforeEach(async ({ bridge }) => {
    sshd = await startSshd();
    const call = bridgeCall(bridge);
    await addSshdServer(call, sshd, 'term-host');
  });
  test.afterEach(async () => {
    await sshd?.stop();
  });

  test('echoes, follows resizes, survives a 3,000,000-line flood in order, and reconnects', async ({
    page,
  }) => {
    test.setTimeout(180_000);
    await installTap(page);
    await page.reload();
    await page.getByRole('navigation').getByRole('button', { name: 'Terminal' }).click();
    await page.getByRole('button', { name: 'New terminal' }).click();
    const term = page.getByTestId('terminal').first();
    await expect.poll(async () => (await tap(page, 0))?.tail ?? '').toMatch(/\$ $/);

    await term.click();
    await page.keyboard.type('echo hello\n');
    await expect.poll(async () => (await tap(page, 0))?.tail ?? '').toContain('hello\r\n');

    // The shell sees the size xterm fitted to, before and after the window changes. Wait for the fit
    // to settle (the same reading twice, new after a resize) before asking the shell.
    const fitted = async () =>
      `${await term.getAttribute('data-rows')} ${await term.getAttribute('data-cols')}`;
    let previous = '';
    for (const size of [
      { width: 1280, height: 800 },
      { width: 1000, height: 600 },
    ]) {
      await page.setViewportSize(size);
      let settled = '';
      await expect
        .poll(async () => {
          const first = await fitted();
          await page.waitForTimeout(100);
          settled = first === (await fitted()) ? first : '';
          return settled !== '' && settled !== previous;
        })
        .toBe(true);
      previous = settled;
      await page.keyboard.type('stty size\n');
      await expect.poll(async () => (await tap(page, 0))?.tail ?? '').toContain(`${settled}\r\n`);
    }
    await page.screenshot({ path: 'test-results/terminal.png' });

    // A killed connection shows the banner, keeps scrollback, and reconnects.
    await sshd.restart();
    await expect(page.getByRole('alert').filter({ hasText: 'The SSH connection dropped.' })).toBeVisible();
    await page.screenshot({ path: 'test-results/terminal-dropped.png' });
    await page.getByRole('button', { name: 'Reconnect' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'dropped' })).toHaveCount(0);
    const buffer = () => term.evaluate((el) => (el as HTMLElement & { readBuffer(): string }).readBuffer());
    expect(await buffer()).toContain('$ echo hello\nhello');
    await term.click();
    await page.keyboard.type('echo back\n');
    await expect.poll(async () => (await tap(page, 0))?.tail ?? '').toContain('back\r\n');

    // Flood: every line arrives, in order, and another tab stays responsive meanwhile. xterm repaints
    // at most once per 50 ms while it streams (renderCap), not on every animation frame.
    expect(await term.getAttribute('data-render-cap')).toBe('on');
    const repaints = () => term.evaluate((el) => (el as HTMLElement & { renders(): number }).renders());
    const floodStart = { at: Date.now(), repaints: await repaints() };
    await page.keyboard.type('seq 1 3000000; echo FLOOD-DONE\n');
    await expect.poll(async () => (await tap(page, 0))?.next ?? 0).toBeGreaterThan(1000);
    await page.getByRole('button', { name: 'New terminal' }).click();
    const second = page.getByTestId('terminal').nth(1);
    await expect.poll(async () => (await tap(page, 1))?.tail ?? '').toMatch(/\$ $/);
    await second.click();
    await page.keyboard.type('echo ping-$((40+2))\n');
    await expect.poll(async () => (await tap(page, 1))?.tail ?? '').toContain('ping-42\r\n');
    const duringFlood = await tap(page, 0);
    expect(duringFlood?.tail).not.toContain('FLOOD-DONE');

    await page.getByRole('tab').first().click();
    await expect
      .poll(async () => (await tap(page, 0))?.tail ?? '', { timeout: 150_000 })
      .toContain('FLOOD-DONE');
    const done = await tap(page, 0);
    const floodRepaints = (await repaints()) - floodStart.repaints;
    expect(floodRepaints).toBeGreaterThan(0);
    expect(floodRepaints).toBeLessThanOrEqual(((Date.now() - floodStart.at) / 50) * 1.1 + 5);
    expect(done?.ok).toBe(true);
    expect(done?.next).toBe(3_000_001);
    expect(await buffer()).toMatch(/2999999\n3000000\nFLOOD-DONE\n\$/);
    expect(['webgl', 'dom']).toContain(await term.getAttribute('data-renderer'));
    await page.screenshot({ path: 'test-results/terminal-flood.png' });
  });

  test('a terminal belongs to the window: another section shown meanwhile, its shell, output and input carry on', async ({
    page,
    bridge,
  }) => {
    const closed: string[] = [];
    bridge.hostdeck.events.listen((name, payload) => {
      if (name === 'terminal.closed') closed.push((payload as { sessionId: string }).sessionId);
    });
    await installTap(page);
    await page.reload();
    const nav = page.getByRole('navigation', { name: 'Sections' });
    await nav.getByRole('button', { name: 'Terminal' }).click();
    await page.getByRole('button', { name: 'New terminal' }).click();
    const term = page.getByTestId('terminal').first();
    await expect.poll(async () => (await tap(page, 0))?.tail ?? '').toMatch(/\$ $/);
    const session = (await term.getAttribute('data-session'))!;
    await term.click();
    await page.keyboard.type('HD_MARK=kept-$((6*7)); echo before-$((6*7))\n');
    await expect.poll(() => tapOf(page, session)).toContain('before-42\r\n');

    // Output that arrives while another section is shown still reaches the terminal.
    await page.keyboard.type('sleep 1; echo while-away-$((6*7))\n');
    await nav.getByRole('button', { name: 'Servers' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Servers' })).toBeVisible();
    await expect(page.getByTestId('terminal')).toHaveCount(0);
    await expect.poll(() => tapOf(page, session)).toContain('while-away-42\r\n');
    expect(closed).toEqual([]);

    await nav.getByRole('button', { name: 'Terminal' }).click();
    await expect(page.getByRole('tab')).toHaveCount(1);
    await expect(term).toHaveAttribute('data-session', session);
    const buffer = () => term.evaluate((el) => (el as HTMLElement & { readBuffer(): string }).readBuffer());
    expect(await buffer()).toContain('before-42');
    expect(await buffer()).toContain('while-away-42');
    // The same shell: what it was told before is still set, and it takes input.
    await term.click();
    await page.keyboard.type('echo "after $HD_MARK"\n');
    await expect.poll(() => tapOf(page, session)).toContain('after kept-42\r\n');
    await expect.poll(buffer).toContain('after kept-42');
    await page.screenshot({ path: 'test-results/terminal-after-switch.png' });

    // Closing the tab still ends its shell.
    await page.getByRole('button', { name: 'Close term-host' }).click();
    await expect(page.getByTestId('terminal')).toHaveCount(0);
    await expect.poll(() => closed).toEqual([session]);

    // Locking the vault ends the window's terminals: none is left after unlocking.
    await page.getByRole('button', { name: 'New terminal' }).click();
    await expect.poll(async () => (await tap(page, 0))?.tail ?? '').toMatch(/\$ $/);
    const second = (await page.getByTestId('terminal').first().getAttribute('data-session'))!;
    await bridgeCall(bridge)('vault.lock', {});
    await expect(page.getByRole('heading', { name: 'Unlock the vault' })).toBeVisible();
    await expect.poll(() => closed).toEqual([session, second]);
    await page.getByLabel('Master password').fill(MASTER_PASSWORD);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await nav.getByRole('button', { name: 'Terminal' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Terminal' })).toBeVisible();
    await expect(page.getByRole('tab')).toHaveCount(0);
    await expect(page.getByTestId('terminal')).toHaveCount(0);
  });
});
