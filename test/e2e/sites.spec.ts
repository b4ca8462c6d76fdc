// A site created from the UI on a real Debian 12 host (vps tier harness, booted here from the
// sites layer: caddy, mariadb, firewall and the labelled FrankenPHP stand-in installed by the
// scripts), then opened in the browser through the host's Caddy.
import { addTestHost } from '../support/trusted-server';
import { bridgeCall, expect, test } from './fixtures';
import { openSection, sitesHostForFile } from './vps-hosts';

const host = sitesHostForFile(test);

test('create a site from the UI, then open its URL through the test host', async ({
  page,
  bridge,
  context,
}) => {
  test.setTimeout(300_000);
  const call = bridgeCall(bridge);
  await addTestHost(call, host(), 'vps-1');
  await call('tenants.create', { name: 'Acme Ltd.', slug: 'acme' });
  await page.reload();
  await openSection(page, 'Sites');
  await page.getByRole('button', { name: 'Create site' }).click();
  const form = page.getByRole('form', { name: 'Create a site' });
  await form.getByLabel('Primary domain').fill('shop.acme.test');
  await form.getByLabel('Slug').fill('shop');
  await form.getByLabel('TLS').selectOption('off');
  await form.getByRole('button', { name: 'Create site' }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'shop.acme.test' })).toBeVisible();
  const progress = page.getByRole('region', { name: 'Progress of the last action' });
  await expect(progress).toHaveAttribute('data-state', 'succeeded', { timeout: 120_000 });
  await expect(page.locator('.view-header .badge')).toHaveText('Active');
  // Its backup card says plainly that nothing protects it yet.
  await expect(page.getByTestId('site-backup-card')).toContainText('Not set up on vps-1 yet', {
    timeout: 30_000,
  });
  await expect(page.getByText('http://shop.acme.test/').first()).toBeVisible();
  await page.screenshot({ path: 'test-results/site-created.png', fullPage: true });
  await page.getByTestId('site-backup-card').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/site-backup-card.png' });

  // The browser asks for the site's URL; the request goes to the test host's Caddy with that
  // Host header (this machine has no DNS for the test domain).
  await context.route('http://shop.acme.test/**', async (route) => {
    const url = new URL(route.request().url());
    const response = await page.request.get(`http://${host().address}${url.pathname}${url.search}`, {
      headers: { Host: url.host },
    });
    await route.fulfill({ response });
  });
  const site = await context.newPage();
  await site.goto('http://shop.acme.test/');
  await expect(site.getByRole('heading', { name: 'shop.acme.test is ready' })).toBeVisible();
  await expect(site.locator('body')).toContainText('running as t-acme. Database: connected.');
  await site.screenshot({ path: 'test-results/site-open.png' });
  await site.close();

  // A scheduled job from the site page: the host's reading of the schedule as it is typed, then
  // runs arriving on their own (as the site's tenant), with the end of their output.
  const cron = page.getByTestId('cron-card');
  await cron.scrollIntoViewIfNeeded();
  await expect(cron).toContainText('None yet.', { timeout: 30_000 });
  await cron.getByRole('button', { name: 'Add a scheduled job' }).click();
  const cronForm = cron.getByRole('form', { name: 'Add a scheduled job' });
  await cronForm.getByLabel('Preset').selectOption('laravel');
  await expect(cronForm.getByLabel('Command')).toHaveValue('frankenphp php-cli artisan schedule:run');
  await cronForm.getByLabel('Preset').selectOption('custom');
  await cronForm.getByLabel('Name').fill('report');
  await cronForm.getByLabel('Schedule').fill('every day');
  await expect(cronForm.getByText(/systemd does not read 'every day' as a calendar expression/)).toBeVisible({
    timeout: 15_000,
  });
  await cronForm.getByLabel('Schedule').fill('*:*:0/5');
  await expect(cronForm.getByTestId('cron-preview')).toContainText('Next runs (Etc/UTC)', {
    timeout: 15_000,
  });
  await cronForm.getByLabel('Command').fill('echo "report by $(id -un)"');
  await page.screenshot({ path: 'test-results/cron-form.png' });
  await cronForm.getByRole('button', { name: 'Add job' }).click();
  await expect(
    cron.getByRole('region', { name: 'Progress of the last change to scheduled jobs' }),
  ).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  const report = cron.getByTestId('cron-job-report');
  await expect(report.getByText(/Last runs: [1-9]\d* ok, 0 failed/)).toBeVisible({ timeout: 40_000 });
  await report.getByText(/Last runs:/).click();
  await expect(report.locator('pre.cron-output').first()).toHaveText('report by t-acme');
  await report.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/cron-card.png' });
  await report.getByRole('button', { name: 'Pause' }).click();
  await expect(report).toContainText('paused', { timeout: 60_000 });

  // The list shows it active on its server.
  await page.getByRole('button', { name: '← All sites' }).click();
  const row = page.locator('tr[data-site="shop.acme.test"]');
  await expect(row).toHaveAttribute('data-status', 'active');
  await expect(row).toContainText('vps-1');
});
