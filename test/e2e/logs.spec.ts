import { bridgeCall, expect, test } from './fixtures';

test("Hostdeck's own job logs are a log source, filterable like any other", async ({ page }) => {
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Check this install' }).click();
  await expect(page.locator('.job').filter({ hasText: 'Check this install' })).toHaveAttribute(
    'data-state',
    'succeeded',
    { timeout: 30_000 },
  );

  await page.getByRole('navigation').getByRole('button', { name: 'Logs' }).click();
  await page.getByLabel('Source').selectOption('Hostdeck jobs (this laptop)');
  await page.getByRole('button', { name: 'Follow' }).first().click();
  const list = page.getByRole('log', { name: 'Log entries' });
  await expect(list).toContainText('scrypt N=2^17 r=8 p=1 took');
  await expect(list).toContainText('Check this install');
  await page.getByLabel('Filter text').fill('wal checkpoint');
  await expect(page.getByTestId('log-count')).toContainText('1 shown of');
  await page.getByLabel('Time range').selectOption('15');
  await expect(page.getByTestId('log-count')).toContainText('1 shown of');
});

test('a followed log belongs to the window: it streams while another section is shown, and after', async ({
  page,
  bridge,
}) => {
  const nav = page.getByRole('navigation', { name: 'Sections' });
  await nav.getByRole('button', { name: 'Logs' }).click();
  await page.getByLabel('Source').selectOption('Hostdeck jobs (this laptop)');
  await page.getByRole('button', { name: 'Follow' }).first().click();
  const list = page.getByRole('log', { name: 'Log entries' });
  const count = async () => Number(await list.getAttribute('data-count'));
  await expect(list).toHaveAttribute('data-count', /\d+/);

  // A job runs (and logs) while the Settings section is shown.
  await nav.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Check this install' }).click();
  await expect(page.locator('.job').filter({ hasText: 'Check this install' })).toHaveAttribute(
    'data-state',
    'succeeded',
    { timeout: 30_000 },
  );

  await nav.getByRole('button', { name: 'Logs' }).click();
  await expect(page.getByLabel('Source')).toHaveValue('Hostdeck jobs (this laptop)');
  await expect(list).toContainText('scrypt N=2^17 r=8 p=1 took');
  const before = await count();
  expect(before).toBeGreaterThan(0);

  // Still followed: the lines of a job started now arrive too.
  await bridgeCall(bridge)('diagnostics.run', {});
  await expect.poll(count, { timeout: 30_000 }).toBeGreaterThan(before);
  await page.screenshot({ path: 'test-results/logs-after-switch.png' });
});
