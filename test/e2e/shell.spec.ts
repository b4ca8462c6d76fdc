import { expect, test } from './fixtures';

const sections = [
  'Servers',
  'Sites',
  'Tenants',
  'Provisioning',
  'Backups',
  'Logs',
  'Terminal',
  'Audit',
  'Settings',
];

test('the shell renders every section with honest empty states', async ({ page }) => {
  const nav = page.getByRole('navigation', { name: 'Sections' });
  for (const label of sections) await expect(nav.getByRole('button', { name: label })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'Servers' })).toBeVisible();
  await expect(page.getByText('No servers yet')).toBeVisible();
  await nav.getByRole('button', { name: 'Sites' }).click();
  await expect(page.getByText('No sites yet')).toBeVisible();
  await nav.getByRole('button', { name: 'Tenants' }).click();
  await expect(page.getByText('No tenants yet')).toBeVisible();
  await nav.getByRole('button', { name: 'Backups' }).click();
  await expect(page.getByText('No sites to back up yet')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Jobs' })).toBeVisible();
  await page.screenshot({ path: 'test-results/shell-light.png' });
});

test('switching to dark theme applies it and keeps it after a reload', async ({ page }) => {
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('radio', { name: 'Dark' }).check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByRole('navigation').getByRole('button', { name: 'Servers' }).click();
  await page.screenshot({ path: 'test-results/shell-dark.png' });
});

test('locking on screen lock and sleep is on by default, and turning it off is kept', async ({
  page,
  bridge,
}) => {
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  const box = page.getByRole('checkbox', { name: 'Lock when the screen locks or the computer sleeps' });
  await expect(box).toBeChecked();
  await box.uncheck();
  await expect.poll(() => bridge.hostdeck.settings.get().vaultLockOnSleep).toBe(false);
  await page.reload();
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await expect(box).not.toBeChecked();
  await page.screenshot({ path: 'test-results/settings.png' });
});

test('the keyboard alone reaches every section (Alt+number) and the audit trail records changes', async ({
  page,
}) => {
  await page.keyboard.press('Alt+9');
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await page.getByRole('radio', { name: 'Light' }).focus();
  await page.keyboard.press('Space');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.keyboard.press('Alt+8');
  const audit = page.getByRole('heading', { level: 1, name: 'Audit' });
  await expect(audit).toBeVisible();
  // Focus lands on the view's heading, where the keyboard (and a screen reader) starts.
  await expect(audit).toBeFocused();
  // In words: the action, and what changed as phrases (not raw JSON).
  const row = page.getByRole('row').filter({ hasText: 'settings update' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('test-bridge');
  await expect(row).toContainText('theme system → light');
  await expect(row).not.toContainText('{');
  await page.screenshot({ path: 'test-results/audit.png' });
  // A click on the navigation moves focus the same way.
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Servers' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Servers' })).toBeFocused();
  // Esc leaves a form, and focus goes back to what opened it.
  const add = page.getByRole('button', { name: 'Add server', exact: true });
  await add.click();
  await page.getByLabel('Name').fill('half typed');
  await page.keyboard.press('Escape');
  await expect(page.getByLabel('Name')).toHaveCount(0);
  await expect(add).toBeFocused();
});

test('a command outside the contract is unreachable and bad input names its field', async ({
  page,
  bridge,
}) => {
  const viaShim = await page.evaluate(() => window.hostdeck!.call('vault.dumpSecrets', {}));
  expect(viaShim).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
  // Even a client that skips the allow-list reaches only the router, which refuses it too.
  const direct = await bridge.hostdeck.router.dispatch('vault.dumpSecrets', {}, { actor: 'test-bridge' });
  expect(direct).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
  const invalid = await page.evaluate(() => window.hostdeck!.call('jobs.list', { limit: 'many' }));
  expect(invalid).toMatchObject({ ok: false, error: { code: 'VALIDATION', field: 'limit' } });
});
