// Sites and tenants in the UI, with no remote host: what is refused before anything reaches a server.
import type { Page } from '@playwright/test';
import type { SiteInfo, TenantInfo } from '../../src-main/api/contract';
import { bridgeCall, expect, test } from './fixtures';

const SLUG_HELP = '1-29 characters of a-z, 0-9 and -, starting with a letter and not ending with -';

/** Counts the commands of one name the page sends over the bridge (to prove a submit sent nothing). */
function countCalls(page: Page, command: string) {
  const seen = { count: 0 };
  page.on('websocket', (ws) =>
    ws.on('framesent', (f) => {
      if (String(f.payload).includes(`"command":"${command}"`)) seen.count += 1;
    }),
  );
  return seen;
}

// Tall enough that the screenshots show a whole form.
test.use({ viewport: { width: 1280, height: 1150 } });

const nav = (page: Page, label: string) =>
  page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: label }).click();

/** Tenant acme and a server record (agent sign-in) that these tests never log in to. */
async function tenantAndServer(
  call: ReturnType<typeof bridgeCall>,
  name: string,
  host: string,
  port: number,
) {
  await call('tenants.create', { name: 'Acme Ltd.', slug: 'acme' });
  await call('servers.add', { name, host, port, username: 'root', auth: { kind: 'agent' } });
}

test('a tenant is added from its form, and a duplicate slug is refused under the slug field', async ({
  page,
  bridge,
}) => {
  const call = bridgeCall(bridge);
  await nav(page, 'Tenants');
  await expect(page.getByRole('heading', { level: 1, name: 'Tenants' })).toBeVisible();
  await expect(page.getByText('No tenants yet')).toBeVisible();

  await page.getByRole('button', { name: 'Add tenant' }).click();
  const form = page.getByRole('form', { name: 'Add a tenant' });
  await form.getByLabel('Name').fill('Acme Ltd.');
  // The slug follows the name until it is typed in.
  await expect(form.getByLabel('Slug')).toHaveValue('acme-ltd');
  await form.getByLabel('Slug').fill('Acme');
  await form.getByLabel('Slug').blur();
  await expect(form.getByLabel('Slug')).toHaveAccessibleDescription(SLUG_HELP);
  await form.getByLabel('Slug').fill('acme');
  await form.getByRole('button', { name: 'Add tenant' }).click();

  const row = page.locator('tr[data-tenant="acme"]');
  await expect(row).toContainText('Acme Ltd.');
  await expect(row.getByRole('cell').nth(2)).toHaveText('0');
  await expect(row.getByRole('button', { name: 'Remove…' })).toBeEnabled();

  // Same slug again: the rule lives in main (CONFLICT), and its message lands under the field.
  await page.getByRole('button', { name: 'Add tenant' }).click();
  await form.getByLabel('Name').fill('Acme again');
  await form.getByLabel('Slug').fill('acme');
  await form.getByRole('button', { name: 'Add tenant' }).click();
  const slug = form.getByLabel('Slug');
  await expect(slug).toHaveAttribute('aria-invalid', 'true');
  await expect(slug).toHaveAccessibleDescription(/A tenant with the slug "acme" already exists\./);
  await expect(form.getByRole('alert')).toContainText('pick another');
  expect(((await call('tenants.list', {})) as TenantInfo[]).map((t) => t.slug)).toEqual(['acme']);
  await page.screenshot({ path: '/tmp/sites-tenants.png', fullPage: true });
});

test('the create form refuses look-alike, shell and oversized domains and a path slug, and sends nothing', async ({
  page,
  bridge,
}) => {
  const call = bridgeCall(bridge);
  // A server record only: nothing here connects to it (192.0.2.0/24 is TEST-NET-1).
  await tenantAndServer(call, 'web-1', '192.0.2.10', 22);
  const creates = countCalls(page, 'sites.create');
  await page.reload();

  await nav(page, 'Sites');
  await expect(page.getByRole('heading', { level: 1, name: 'Sites' })).toBeVisible();
  const empty = page.getByRole('status').filter({ hasText: 'No sites yet' });
  await expect(empty).toContainText('add a tenant');
  await expect(empty).toContainText('Caddy, MariaDB and FrankenPHP');
  await page.screenshot({ path: '/tmp/sites-list-empty.png', fullPage: true });

  await page.getByRole('button', { name: 'Create site' }).click();
  const form = page.getByRole('form', { name: 'Create a site' });
  await expect(form.getByLabel('Server')).toHaveValue(/.+/);
  await expect(form.getByLabel('Tenant')).toContainText('Acme Ltd. (acme)');
  const domain = form.getByLabel('Primary domain');

  await domain.fill('shop.example.com;reboot');
  await domain.blur();
  await expect(domain).toHaveAttribute('aria-invalid', 'true');
  await expect(domain).toHaveAccessibleDescription('not a host name like shop.example.com');

  const long = `${'a'.repeat(60)}.`.repeat(4) + 'a'.repeat(52) + '.com';
  expect(long).toHaveLength(300);
  await domain.fill(long);
  await expect(domain).toHaveAccessibleDescription('at most 253 characters');

  // A Cyrillic "о" (U+043E) looks exactly like a Latin "o": refused, and the character is named.
  await domain.fill('shоp.example.com');
  await expect(domain).toHaveAccessibleDescription(
    /only a-z, 0-9, - and dots: write international names in punycode .*character 3 is "о" \(U\+043E\)/,
  );

  const slug = form.getByLabel('Slug');
  await slug.fill('../');
  await slug.blur();
  await expect(slug).toHaveAccessibleDescription(SLUG_HELP);

  const aliases = form.getByLabel('Aliases');
  await aliases.fill('www.shop.example.com, shop.example.com|x');
  await aliases.blur();
  await expect(aliases).toHaveAccessibleDescription(
    'shop.example.com|x: not a host name like shop.example.com',
  );

  await form.getByLabel('Extra php.ini settings').fill('open_basedir = /');
  await form.getByLabel('Extra php.ini settings').blur();
  await expect(form.getByLabel('Extra php.ini settings')).toHaveAccessibleDescription(
    'open_basedir is set by Hostdeck (it keeps the site in its sandbox)',
  );

  await form.getByRole('button', { name: 'Create site' }).click();
  // Submitting moves focus to the first refused field, and nothing leaves the form.
  await expect(domain).toBeFocused();
  await expect(form.getByRole('alert')).toHaveCount(4);
  await page.screenshot({ path: '/tmp/sites-create-errors.png', fullPage: true });
  expect(creates.count).toBe(0);
  expect(await call('sites.list', {})).toEqual([]);
  await expect(page.locator('tr[data-site]')).toHaveCount(0);

  // WordPress needs an admin e-mail address; the schema's message shows under its field.
  await form.getByLabel('Type').selectOption('wordpress');
  await form.getByRole('button', { name: 'Create site' }).click();
  await expect(form.getByLabel('Admin e-mail')).toHaveAccessibleDescription('an e-mail address');
  expect(creates.count).toBe(0);
});

test('a site created on an unreachable server opens its page, follows its job and shows the failure', async ({
  page,
  bridge,
}) => {
  const call = bridgeCall(bridge);
  // Loopback port 1 refuses at once: the create job fails without any remote host.
  await tenantAndServer(call, 'nowhere', '127.0.0.1', 1);
  await page.reload();
  await nav(page, 'Sites');
  await page.getByRole('button', { name: 'Create site' }).click();
  const form = page.getByRole('form', { name: 'Create a site' });
  await form.getByLabel('Primary domain').fill('shop.example.com');
  await expect(form.getByLabel('Slug')).toHaveValue('shop-example-com');
  await form.getByLabel('Aliases').fill('shop.example.net\nshop.example.org');
  await form.getByRole('button', { name: 'Create site' }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'shop.example.com' })).toBeVisible();
  const progress = page.getByRole('region', { name: 'Progress of the last action' });
  await expect(progress).toContainText('Create shop.example.com on nowhere');
  await expect(progress).toHaveAttribute('data-state', 'failed', { timeout: 30_000 });
  // The record follows the job through sites.changed: failed, with the reason kept.
  await expect(page.locator('.view-header .badge')).toHaveText('Failed');
  await expect(page.getByText(/^Last error:/)).toBeVisible();
  await expect(page.getByRole('heading', { name: 'On the server' })).toBeVisible();
  await page.screenshot({ path: '/tmp/sites-detail.png', fullPage: true });

  // The delete dialog asks for the domain and keeps a final backup unless told otherwise.
  await page.getByRole('button', { name: 'Delete…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete shop.example.com?' });
  await expect(dialog.getByRole('checkbox', { name: /Keep a final backup/ })).toBeChecked();
  await expect(dialog.getByRole('button', { name: 'Delete site' })).toBeDisabled();
  await dialog.getByLabel(/Type shop.example.com to confirm/).fill('shop.example.co');
  await expect(dialog.getByRole('button', { name: 'Delete site' })).toBeDisabled();
  await dialog.getByLabel(/Type shop.example.com to confirm/).fill('shop.example.com');
  await expect(dialog.getByRole('button', { name: 'Delete site' })).toBeEnabled();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();

  // Edit: the schema's rules plus the cross-check that the primary domain is not its own alias.
  await page.getByRole('button', { name: 'Edit…' }).click();
  const edit = page.getByRole('form', { name: 'Edit shop.example.com' });
  await edit.getByLabel('Aliases').fill('shop.example.com');
  await expect(edit.getByLabel('Aliases')).toHaveAccessibleDescription('the primary domain is not an alias');
  await edit.getByRole('button', { name: 'Cancel' }).click();

  // Deploy: the deploy key is made in the vault and only its public half is shown, read-only.
  await page.getByRole('button', { name: 'Deploy…' }).click();
  const deploy = page.getByRole('form', { name: 'Deploy from git' });
  await deploy.getByLabel('Repository URL').fill('http://example.com/repo.git');
  await expect(deploy.getByLabel('Repository URL')).toHaveAccessibleDescription(
    /^a git URL: https:\/\/host\/path/,
  );
  await deploy.getByRole('button', { name: 'Deploy key' }).click();
  const publicKey = deploy.getByLabel('Public deploy key');
  await expect(publicKey).toHaveValue(/^ssh-ed25519 AAAA/);
  await expect(publicKey).toHaveAttribute('readonly', '');
  await expect(deploy.getByRole('checkbox', { name: /Use the site's deploy key/ })).toBeChecked();
  await page.screenshot({ path: '/tmp/sites-deploy.png' });
  await deploy.getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('button', { name: '← All sites' }).click();
  const row = page.locator('tr[data-site="shop.example.com"]');
  await expect(row).toHaveAttribute('data-status', 'failed');
  await expect(row).toContainText('nowhere');
  await expect(row).toContainText('Acme Ltd.');
  await expect(row).toContainText('8081');
  await page.screenshot({ path: '/tmp/sites-list.png', fullPage: true });

  // A second site on the same name is refused by main; the message lands under the domain field.
  await page.getByRole('button', { name: 'Create site' }).click();
  await form.getByLabel('Primary domain').fill('shop.example.net');
  await form.getByLabel('Slug').fill('shop2');
  await form.getByRole('button', { name: 'Create site' }).click();
  await expect(form.getByLabel('Primary domain')).toHaveAccessibleDescription(
    /shop\.example\.net already belongs to site shop\.example\.com\./,
  );
  expect(((await call('sites.list', {})) as SiteInfo[]).map((s) => s.domain)).toEqual(['shop.example.com']);
});
