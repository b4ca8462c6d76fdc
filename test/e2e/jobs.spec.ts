import { expect, test } from './fixtures';

test('a job started from the UI shows live progress and its steps through to completion', async ({
  page,
}) => {
  // Record every progress value the bar shows, to prove it moved through intermediate states live.
  await page.evaluate(() => {
    const seen: number[] = [];
    (window as unknown as { progressSeen: number[] }).progressSeen = seen;
    new MutationObserver(() => {
      for (const bar of document.querySelectorAll('[role=progressbar]'))
        seen.push(Number(bar.getAttribute('aria-valuenow')));
    }).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['aria-valuenow'],
    });
  });

  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Check this install' }).click();

  const job = page.locator('.job').filter({ hasText: 'Check this install' });
  await expect(job).toHaveCount(1);
  await expect(job.locator('.badge')).toHaveText('Running');
  await page.screenshot({ path: 'test-results/job-running.png' });

  await expect(job).toHaveAttribute('data-state', 'succeeded', { timeout: 30_000 });
  await expect(job.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  const steps = job.getByRole('list', { name: 'Steps' }).getByRole('listitem');
  await expect(steps).toHaveCount(5);
  for (const name of ['Data directory is writable', 'Database integrity', 'Key derivation speed']) {
    await expect(steps.filter({ hasText: name })).toHaveAttribute('data-state', 'ok');
  }
  await expect(job).toContainText('failed');

  const seen = await page.evaluate(() => (window as unknown as { progressSeen: number[] }).progressSeen);
  expect(seen.some((v) => v > 0 && v < 100)).toBe(true);
  expect(seen.at(-1)).toBe(100);
  await page.screenshot({ path: 'test-results/job-succeeded.png' });
});

test('an ended job runs again from the jobs panel, as a new job with the same command', async ({ page }) => {
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Check this install' }).click();
  const jobs = page.locator('.job').filter({ hasText: 'Check this install' });
  await expect(jobs.first()).toHaveAttribute('data-state', 'succeeded', { timeout: 30_000 });
  await expect(jobs).toHaveCount(1);

  await page.getByRole('button', { name: 'Run again: Check this install' }).click();
  await expect(jobs).toHaveCount(2);
  await expect(jobs.first()).toHaveAttribute('data-state', 'succeeded', { timeout: 30_000 });
  await expect(jobs.first().getByRole('list', { name: 'Steps' }).getByRole('listitem')).toHaveCount(5);
  await page.screenshot({ path: 'test-results/job-run-again.png' });
  // A running job offers Cancel, never Run again.
  await expect(page.getByRole('button', { name: /^Run again/ })).toHaveCount(2);
});
