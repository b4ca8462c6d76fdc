/**
 * npm run bench:logs — lines per second from a real host's journal to the log view:
 * journald → journalctl -o json over SSH → parsed in main → bridge → virtual list in Chromium.
 * Also the parse rate in main alone. Prints figures; asserts only that every line arrived.
 */
import { parseJournalLine } from '../src-main/logs/parse';
import { bootHosts } from '../test/e2e/vps-hosts';
import { addTestHost } from '../test/support/trusted-server';
import { bridgeCall, expect, test } from '../test/e2e/fixtures';

const LINES = 100_000;

test('log lines per second, parsed and shown', async ({ page, bridge }) => {
  test.setTimeout(600_000);
  const booted = await bootHosts(1);
  try {
    const host = booted.hosts[0]!;
    await host.waitForSystemd(60_000);
    // 100,000 journal entries from one unit, written before the view opens. The test host's journal
    // is volatile in a small /run and rate-limited per service: give it room and lift the limit.
    const conf = await host.exec(
      "mkdir -p /etc/systemd/journald.conf.d && printf '[Journal]\\nRuntimeMaxUse=1G\\nRuntimeMaxFileSize=256M\\nRateLimitBurst=0\\n' > /etc/systemd/journald.conf.d/bench.conf && mount -o remount,size=2G /run && systemctl restart systemd-journald",
    );
    expect(conf.code, conf.stderr).toBe(0);
    const gen = await host.exec(
      `systemd-run --unit=hd-bench-logs --wait sh -c 'seq 1 ${LINES} | sed "s/^/bench line /"'`,
    );
    expect(gen.code, gen.stderr).toBe(0);
    await host.exec('journalctl --flush');
    await addTestHost(bridgeCall(bridge), host, 'logs-host');

    // Parse rate in main alone, on the host's own journal output.
    const raw = await host.exec(`journalctl -o json -u hd-bench-logs.service --no-pager -n 20000`);
    const lines = raw.stdout.split('\n').filter(Boolean);
    const t0 = performance.now();
    let parsed = 0;
    for (const l of lines) if (parseJournalLine(l)) parsed++;
    const parseRate = parsed / ((performance.now() - t0) / 1000);
    expect(parsed).toBeGreaterThanOrEqual(20_000);

    await page.reload();
    await page.getByRole('navigation').getByRole('button', { name: 'Logs' }).click();
    await page.getByLabel('Or a systemd unit').fill('hd-bench-logs.service');
    await page.getByLabel('History').selectOption('100000');
    const started = Date.now();
    await page.getByRole('button', { name: 'Follow' }).first().click();
    const list = page.getByRole('log', { name: 'Log entries' });
    await expect
      .poll(async () => Number(await list.getAttribute('data-count')), { timeout: 300_000, intervals: [100] })
      .toBeGreaterThanOrEqual(LINES);
    const seconds = (Date.now() - started) / 1000;
    await expect(list).toContainText(`bench line ${LINES}`);

    // Filtering 100,000 entries and scrolling stay interactive.
    const f0 = Date.now();
    await page.getByLabel('Filter text').fill('bench line 99999');
    await expect(page.getByTestId('log-count')).toContainText('1 shown of');
    const filterMs = Date.now() - f0;
    await page.screenshot({ path: 'test-results/logs-bench.png' });

    console.log(
      [
        '',
        `bench:logs — ${LINES.toLocaleString()} journal lines from a real Debian 12 host (vps tier)`,
        `  parsed in main alone:                 ${Math.round(parseRate).toLocaleString()} lines/s`,
        `  journal → view, end to end:           ${Math.round(LINES / seconds).toLocaleString()} lines/s (${seconds.toFixed(1)} s for ${LINES.toLocaleString()})`,
        `  filter 100,000 entries to one:        ${filterMs} ms`,
      ].join('\n'),
    );
  } finally {
    await booted.stop();
  }
});
