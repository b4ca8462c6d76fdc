// Backups from the UI on a real Debian 12 host (sites layer; restic from Debian's packages): set a
// server up, back a site up, then put its database and files back to that backup.
import { addTestHost } from '../support/trusted-server';
import { bridgeCall, expect, test } from './fixtures';
import { openSection, sitesHostForFile } from './vps-hosts';

const host = sitesHostForFile(test, 2); // the second keeps the offsite copy

const sql = async (q: string) => {
  const r = await host().exec(`mariadb -N -B hd_shop -e ${JSON.stringify(q)}`);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
};

test('set up backups, back a site up and restore its database and files from the Backups section', async ({
  page,
  bridge,
}) => {
  test.setTimeout(420_000);
  const call = bridgeCall(bridge);
  const { serverId } = await addTestHost(call, host(), 'vps-1');
  const tenant = (await call('tenants.create', { name: 'Acme Ltd.', slug: 'acme' })) as { id: string };
  const { jobId } = (await call('sites.create', {
    serverId,
    tenantId: tenant.id,
    slug: 'shop',
    domain: 'shop.acme.test',
    tls: 'off',
  })) as { jobId: string };
  await page.reload();
  const created = page.locator(`.job[data-job-id="${jobId}"]`);
  await expect(created).toHaveAttribute('data-state', 'succeeded', { timeout: 180_000 });
  await sql('CREATE TABLE notes (id INT PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, "first")');
  const marker = '/srv/tenants/acme/shop/current/public/marker.txt';
  const asTenant = async (cmd: string) => {
    const r = await host().exec(`runuser -u t-acme -- sh -c ${JSON.stringify(cmd)}`);
    if (r.code !== 0) throw new Error(r.stderr);
    return r.stdout.trim();
  };
  await asTenant(`echo one > ${marker}`);

  await openSection(page, 'Backups');
  const card = page.getByRole('region', { name: 'Backups of shop.acme.test' });
  await expect(card.getByText('Backups are not set up on vps-1')).toBeVisible({ timeout: 30_000 });
  await page.screenshot({ path: 'test-results/backups-not-set-up.png' });
  await card.getByRole('button', { name: 'Set up backups on vps-1' }).click();
  const setup = page.locator('.job').filter({ hasText: 'Set up backups on vps-1' });
  await expect(setup).toHaveAttribute('data-state', 'succeeded', { timeout: 180_000 });

  await expect(card.getByTestId('backup-schedule')).toContainText('Runs on the host by itself (daily');
  // The server's schedule and retention, changed from the card (a setup job again).
  await expect(card.getByTestId('backup-policy')).toContainText('Keeps the newest 3 run(s)');
  await card.getByRole('button', { name: 'Change schedule and retention…' }).click();
  await card.getByLabel('Schedule (systemd calendar)').fill('*-*-* 04:00:00');
  await card.getByLabel('Keep newest runs').fill('5');
  await page.screenshot({ path: 'test-results/backups-policy.png' });
  await card.getByRole('button', { name: 'Save on the server' }).click();
  await expect(setup).toHaveCount(2);
  await expect(setup.first()).toHaveAttribute('data-state', 'succeeded', { timeout: 120_000 });
  await expect(setup.last()).toHaveAttribute('data-state', 'succeeded');
  await expect(card.getByTestId('backup-policy')).toContainText('Keeps the newest 5 run(s)');
  await expect(card.getByTestId('backup-schedule')).toContainText('(*-*-* 04:00:00');
  // This site on a schedule of its own (a timer of its own on the host).
  const own = card.getByTestId('backup-site-schedule');
  await expect(own).toContainText("shop.acme.test is backed up on the server's schedule.");
  await own.getByRole('button', { name: 'Give it a schedule of its own…' }).click();
  await own.getByLabel('Site schedule (systemd calendar)').fill('hourly');
  await own.getByRole('button', { name: 'Save on the server' }).click();
  const scheduled = page.locator('.job').filter({ hasText: 'Backup schedule of shop.acme.test' });
  await expect(scheduled).toHaveAttribute('data-state', 'succeeded', { timeout: 120_000 });
  await expect(own).toContainText(/shop\.acme\.test has a schedule of its own \(hourly\) · next \S+ \d{4}-/);
  await page.screenshot({ path: 'test-results/backups-site-schedule.png' });
  await card.getByRole('button', { name: 'Back up now' }).click();
  const run = page.locator('.job').filter({ hasText: 'Back up shop.acme.test' });
  await expect(run).toHaveAttribute('data-state', 'succeeded', { timeout: 120_000 });
  const runs = card.getByRole('table', { name: 'Backup runs' }).getByRole('row');
  await expect(runs).toHaveCount(2); // header + one run
  await expect(card.getByTestId('backup-check')).toContainText('has not been checked yet');
  await card.getByRole('button', { name: 'Check repository' }).click();
  const check = page.locator('.job').filter({ hasText: "Check vps-1's backup repository" });
  await expect(check).toHaveAttribute('data-state', 'succeeded', { timeout: 120_000 });
  await expect(card.getByTestId('backup-check')).toContainText(
    'no errors (structure and indexes, 10% of the data read back)',
  );
  await page.screenshot({ path: 'test-results/backups-one-run.png' });

  await card.getByRole('button', { name: 'Copy to this laptop' }).click();
  const pull = page.locator('.job').filter({ hasText: "Copy vps-1's backups to this laptop" });
  await expect(pull).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });

  // A second server keeps a copy, made over SFTP after every run.
  const offsite = card.getByTestId('backup-offsite');
  await expect(offsite).toContainText('Add a second server');
  await addTestHost(call, host(1), 'vps-2');
  await expect(offsite.getByLabel('Offsite server')).toHaveValue(/.+/, { timeout: 30_000 });
  await offsite.getByLabel('Offsite server').selectOption({ label: 'vps-2' });
  await offsite.getByRole('button', { name: 'Copy offsite' }).click();
  const copy = page.locator('.job').filter({ hasText: "Copy vps-1's backups to vps-2" });
  await expect(copy).toHaveAttribute('data-state', 'succeeded', { timeout: 180_000 });
  await expect(offsite).toContainText(
    /Offsite copy: to vps-2 after every run · last copy just now: 2 new snapshot\(s\)/,
  );
  await offsite.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/backups-offsite.png' });

  await sql('UPDATE notes SET body = "changed" WHERE id = 1');
  await asTenant(`echo two > ${marker}`);
  await runs.nth(1).getByRole('button', { name: 'Restore…' }).click();
  const dialog = page.getByRole('dialog', { name: /^Restore shop\.acme\.test to the backup taken .*\?$/ });
  await expect(dialog.getByRole('checkbox', { name: /^The database/ })).toBeChecked();
  const filesBox = dialog.getByRole('checkbox', { name: /^The files/ });
  await expect(filesBox).toBeChecked();
  await filesBox.uncheck();
  await expect(dialog.getByRole('button', { name: 'Restore database', exact: true })).toBeVisible();
  await filesBox.check();
  await page.screenshot({ path: 'test-results/backups-restore-confirm.png' });
  await dialog.getByRole('button', { name: 'Restore database and files' }).click();
  const restore = page
    .locator('.job')
    .filter({ hasText: 'Restore the database and files of shop.acme.test' });
  await expect(restore).toHaveAttribute('data-state', 'succeeded', { timeout: 120_000 });
  expect(await sql('SELECT body FROM notes WHERE id = 1')).toBe('first');
  expect(await asTenant(`cat ${marker}`)).toBe('one');
  await expect(card.getByTestId('backup-drill')).toContainText('No restore drill yet');
  await card.getByRole('button', { name: 'Run a restore drill' }).click();
  const drill = page.locator('.job').filter({ hasText: 'Restore drill of shop.acme.test' });
  await expect(drill).toHaveAttribute('data-state', 'succeeded', { timeout: 120_000 });
  await expect(card.getByTestId('backup-drill')).toContainText(
    /Last restore drill just now: run \S+ restorable/,
  );
  // The safety backup taken first is listed too.
  await expect(runs).toHaveCount(3);
  await page.screenshot({ path: 'test-results/backups-restored.png' });

  // Another site of the same server takes shop's backup (a clone, or a deleted site brought back).
  const second = (await call('sites.create', {
    serverId,
    tenantId: tenant.id,
    slug: 'clone',
    domain: 'clone.acme.test',
    tls: 'off',
  })) as { jobId: string };
  await expect(page.locator(`.job[data-job-id="${second.jobId}"]`)).toHaveAttribute(
    'data-state',
    'succeeded',
    {
      timeout: 180_000,
    },
  );
  await page.getByLabel('Site', { exact: true }).selectOption({ label: 'clone.acme.test (vps-1)' });
  const cloneCard = page.getByRole('region', { name: 'Backups of clone.acme.test' });
  await cloneCard.getByLabel('Runs of').selectOption('shop');
  const shopRuns = cloneCard.getByRole('table', { name: 'Backup runs' }).getByRole('row');
  await expect(shopRuns).toHaveCount(3);
  await shopRuns.last().getByRole('button', { name: 'Restore…' }).click(); // the first run: marker one
  const into = page.getByRole('dialog', {
    name: /^Restore site shop's backup taken .* into clone\.acme\.test\?$/,
  });
  const go = into.getByRole('button', { name: 'Restore database and files' });
  await expect(go).toBeDisabled();
  await into.getByRole('checkbox', { name: /^Site shop's files, database and code go to/ }).check();
  await page.screenshot({ path: 'test-results/backups-restore-into.png' });
  await go.click();
  const cloned = page
    .locator('.job')
    .filter({ hasText: 'Restore the database and files of clone.acme.test' });
  await expect(cloned).toHaveAttribute('data-state', 'succeeded', { timeout: 120_000 });
  const r = await host().exec('cat /srv/tenants/acme/clone/current/public/marker.txt');
  expect(r.stdout.trim()).toBe('one');

  // The site page's backup card: the newest backup's age and the last drill, at a glance.
  await openSection(page, 'Sites');
  await page
    .locator('tr[data-site="shop.acme.test"]')
    .getByRole('button', { name: 'shop.acme.test' })
    .click();
  const siteCard = page.getByTestId('site-backup-card');
  await expect(siteCard).toContainText(/Newest good backup\s*just now/, { timeout: 30_000 });
  await expect(siteCard).toContainText(/Last restore drill\s*just now: restorable/);
  await siteCard.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/site-backup-card-ready.png' });
});
