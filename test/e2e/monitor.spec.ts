// Metrics of a real Debian 12 host (sites layer) in the UI: the now strip and uPlot charts drawn
// from the local store, a range zoomed by dragging, and a site stopped on the host showing in the
// next sample. Six hours of history before the test are written into the store as the sampler
// would (synthetic values, labelled so here); the newest samples are the host's own.
import { addTestHost } from '../support/trusted-server';
import { bridgeCall, expect, test } from './fixtures';
import { openSection, sitesHostForFile } from './vps-hosts';

const host = sitesHostForFile(test);

test('the server and site pages chart stored samples and zoom by dragging; a stopped site is an alert, notified, that opens the site', async ({
  page,
  bridge,
}) => {
  test.setTimeout(300_000);
  const call = bridgeCall(bridge);
  const { serverId } = await addTestHost(call, host(), 'vps-1');
  const tenant = (await call('tenants.create', { name: 'Acme Ltd.', slug: 'acme' })) as { id: string };
  const { jobId, site: created } = (await call('sites.create', {
    serverId,
    tenantId: tenant.id,
    slug: 'shop',
    domain: 'shop.acme.test',
    tls: 'off',
  })) as { jobId: string; site: { id: string } };
  expect((await bridge.hostdeck.jobs.wait(jobId)).state).toBe('succeeded');

  // Synthetic history: six hours of 15 s points, a daily-looking CPU curve and a slowly filling disk.
  const store = bridge.hostdeck.monitor.store;
  const now = Date.now();
  const latest = (await call('monitor.sample', { serverId })) as Parameters<typeof store.add>[4];
  for (let at = now - 6 * 3_600_000; at < now - 30_000; at += 15_000) {
    const t = (at - now) / 3_600_000;
    const cpu = 0.25 + 0.2 * Math.sin(t * 1.3) + 0.05 * Math.sin(t * 17);
    store.add(
      serverId,
      {
        at,
        cpu,
        load1: cpu * 3,
        mem: 0.42 + 0.03 * Math.sin(t),
        swap: 0.02,
        disk: 0.55 + t * 0.004,
        inodes: 0.12,
        rx: 40_000 + 30_000 * cpu,
        tx: 90_000 * cpu,
        failed: 0,
      },
      [{ slug: 'shop', at, up: 1, cpu: cpu / 4, memBytes: 60e6 + 5e6 * Math.sin(t * 3) }],
      [],
      latest,
    );
  }
  store.maintain(now);
  await call('monitor.sample', { serverId });

  await page.reload();
  await openSection(page, 'Servers');
  await page.getByRole('button', { name: 'vps-1', exact: true }).click();
  const card = page.getByRole('region', { name: 'Metrics' });
  await expect(card.locator('.now-strip')).toContainText('up · up');
  await expect(card.getByTestId('sample-status')).toContainText('Sampled just now');
  await card.getByRole('button', { name: '6 h', exact: true }).click();
  const cpu = card.getByRole('figure', { name: 'CPU' });
  await expect(cpu.locator('canvas')).toBeVisible();
  await expect(cpu.locator('.chart-plot')).toHaveAttribute('data-points', /^1[0-9]{3}$/);
  await expect(card.getByRole('figure')).toHaveCount(5);
  await card.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/monitor-server.png' });

  // A drag across the CPU chart zooms every chart to the range dragged.
  const plot = cpu.locator('.u-over');
  const box = (await plot.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect(card.getByRole('button', { name: 'Back to now' })).toBeVisible();
  // A fifth of 6 h of 15 s points, read again for the range dragged.
  const points = async () => Number(await cpu.locator('.chart-plot').getAttribute('data-points'));
  await expect.poll(points).toBeLessThan(400);
  expect(await points()).toBeGreaterThan(200);
  await page.screenshot({ path: 'test-results/monitor-zoomed.png' });
  await card.getByRole('button', { name: 'Back to now' }).click();

  // The site stops on the host: the next sample says so, in red, and it is an alert (the rule
  // fires at once here; by default it waits a minute).
  await call('monitor.setRule', {
    serverId,
    rule: 'site-down',
    enabled: true,
    threshold: 1,
    clearAt: 1,
    forSeconds: 0,
  });
  expect((await host().exec('systemctl stop hostdeck-php@shop.service')).code).toBe(0);
  await card.getByRole('button', { name: 'Sample now' }).click();
  await expect(card.locator('.now-strip')).toContainText('shop inactive');
  const alerts = page.getByRole('region', { name: 'Alerts' });
  const firing = alerts.locator('li[data-state="firing"]');
  await expect(firing).toContainText('The site shop is not running (its unit is inactive, dead).');
  await expect(firing).toContainText('Changed shortly before:');
  expect(bridge.notices).toEqual([
    {
      serverId,
      siteId: created.id,
      title: 'vps-1: alert',
      body: 'The site shop is not running (its unit is inactive, dead).',
    },
  ]);
  await alerts.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/monitor-alert.png' });

  // The fleet view lists it above the servers.
  await page.getByRole('button', { name: '← All servers' }).click();
  await expect(page.getByRole('region', { name: 'Firing alerts (1)' })).toContainText(
    'vps-1: A site is not running',
  );
  // Fleet health above it, from the same store: the site down, the alert, the fullest disk.
  const health = page.getByRole('region', { name: 'Fleet health' });
  await expect(health.getByTestId('health-sites')).toContainText('not running: shop on vps-1');
  await expect(health.getByTestId('health-alerts')).toHaveText('1 firing');
  await expect(health.getByTestId('health-sampled')).toHaveText('1 of 1 server(s)');
  await expect(health.getByRole('button', { name: 'vps-1, the fullest disk' })).toBeVisible();
  await page.screenshot({ path: 'test-results/monitor-fleet-alerts.png' });

  // The notification clicked (main sends monitor.open): the site's page, with its charts.
  bridge.hostdeck.events.emit('monitor.open', { serverId, siteId: created.id });
  await expect(page.getByRole('heading', { level: 1, name: 'shop.acme.test' })).toBeVisible();
  const site = page.getByRole('region', { name: 'Metrics' });
  await site.getByRole('button', { name: '6 h', exact: true }).click();
  await expect(site.getByRole('figure', { name: 'Memory' }).locator('canvas')).toBeVisible();
  await site.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/monitor-site.png' });
});
