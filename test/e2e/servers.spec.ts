import { startSshd } from '../ssh/harness/sshd';
import type { Sshd } from '../ssh/harness/sshd';
import { addTrustedServer, trustHostKey } from '../support/trusted-server';
import { bridgeCall, expect, test } from './fixtures';

test.describe('first run: vault, then a real server', () => {
  test.use({ vault: 'new' });
  let sshd: Sshd;
  test.beforeEach(async () => {
    sshd = await startSshd();
  });
  test.afterEach(async () => {
    await sshd?.stop();
  });

  test('create the vault, add the loopback sshd, confirm its fingerprint and see its facts', async ({
    page,
  }) => {
    await expect(page.getByRole('heading', { name: 'Create your vault' })).toBeVisible();
    const password = page.getByLabel('Master password');
    await password.fill('short');
    await page.getByLabel('Repeat it').fill('short');
    await page.getByRole('button', { name: 'Create vault' }).click();
    await expect(page.getByText('use at least 12 characters')).toBeVisible();
    await page.screenshot({ path: 'test-results/vault-setup.png' });
    await password.fill('a long enough master password');
    await page.getByLabel('Repeat it').fill('a long enough master password');
    await page.getByRole('button', { name: 'Create vault' }).click();

    await expect(page.getByRole('heading', { level: 1, name: 'Servers' })).toBeVisible();
    await expect(page.getByText('No servers yet')).toBeVisible();
    await page.getByRole('button', { name: 'Add server' }).click();

    // Inline validation with the contract's own rules, before anything is sent.
    await page.getByLabel('Host').fill('not a host!');
    await page.getByLabel('Host').blur();
    await expect(page.getByText('enter a host name or IP address (no scheme, no port)')).toBeVisible();
    await page.getByLabel('Port').fill('70000');
    await page.getByLabel('Port').blur();
    await expect(page.getByText('ports run from 1 to 65535')).toBeVisible();

    await page.getByLabel('Name').fill('loopback');
    await page.getByLabel('Host').fill(sshd.host);
    await page.getByLabel('Port').fill(String(sshd.port));
    await page.getByLabel('User').fill(sshd.user);
    await page.getByLabel('A private key I paste').check();
    await page.getByLabel('Private key (OpenSSH or PEM)').fill(sshd.clientKey);
    await page.getByRole('button', { name: 'Add server', exact: true }).last().click();

    const dialog = page.getByRole('dialog');
    await expect(dialog.getByTestId('fingerprint')).toHaveText(sshd.hostFingerprint);
    await page.screenshot({ path: 'test-results/host-key-dialog.png' });
    await dialog.getByRole('button', { name: 'It matches: trust it' }).click();

    const row = page.locator('tr[data-server="loopback"]');
    await expect(row).toHaveAttribute('data-status', 'online', { timeout: 20_000 });
    await expect(row).toContainText('Online');
    await expect(row).toContainText('just now');
    await page.screenshot({ path: 'test-results/fleet.png' });

    await row.getByRole('button', { name: 'loopback' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'loopback' })).toBeVisible();
    await expect(page.getByText(sshd.hostFingerprint)).toBeVisible();
    await expect(page.locator('.facts')).toContainText('Kernel');
    await page.screenshot({ path: 'test-results/server-detail.png' });
  });

  test('a wrong master password is refused at unlock, and the right one opens the vault', async ({
    page,
    bridge,
  }) => {
    await page.getByLabel('Master password').fill('the right master password');
    await page.getByLabel('Repeat it').fill('the right master password');
    await page.getByRole('button', { name: 'Create vault' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Servers' })).toBeVisible();
    await bridge.hostdeck.router.dispatch('vault.lock', {}, { actor: 'test-bridge' });
    await expect(page.getByRole('heading', { name: 'Unlock the vault' })).toBeVisible();
    await page.getByLabel('Master password').fill('the wrong master password');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.getByText('That master password is not right.')).toBeVisible();
    await page.getByLabel('Master password').fill('the right master password');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Servers' })).toBeVisible();
  });
});

test.describe('managing servers and secrets', () => {
  let sshd: Sshd;
  test.beforeEach(async () => {
    sshd = await startSshd();
  });
  test.afterEach(async () => {
    await sshd?.stop();
  });

  test('edit a server, reveal its key (audited), and refuse to delete a key in use', async ({
    page,
    bridge,
  }) => {
    await addTrustedServer(bridgeCall(bridge), {
      name: 'edit-me',
      host: sshd.host,
      port: sshd.port,
      username: sshd.user,
      privateKey: sshd.clientKey,
    });

    await page.reload();
    await page.locator('tr[data-server="edit-me"]').getByRole('button', { name: 'edit-me' }).click();
    await page.getByRole('button', { name: 'Edit…' }).click();
    const form = page.getByRole('form', { name: 'Edit edit-me' });
    await form.getByLabel('Tags (comma separated)').fill('production, Bad Tag');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect(form.getByText('tags: lower-case letters, digits and dashes')).toBeVisible();
    await form.getByLabel('Tags (comma separated)').fill('production, eu');
    await form.getByLabel('Notes').fill('Primary web host');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('.tag')).toHaveText(['production', 'eu']);
    await expect(page.getByText('Primary web host')).toBeVisible();

    await page.keyboard.press('Alt+9');
    const secrets = page.getByRole('table', { name: 'Secrets' });
    const row = secrets.getByRole('row').filter({ hasText: 'edit-me key' });
    await row.getByRole('button', { name: 'Delete…' }).click();
    await row.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(
      page.getByText('The secret "edit-me key" is still in use by server edit-me (its sign-in).'),
    ).toBeVisible();

    await row.getByRole('button', { name: 'Reveal…' }).click();
    await row.getByRole('button', { name: 'Show' }).click();
    const revealed = page.getByRole('region', { name: 'Revealed secret' });
    await expect(revealed.locator('textarea')).toHaveValue(sshd.clientKey);
    await page.screenshot({ path: 'test-results/secrets.png' });
    await revealed.getByRole('button', { name: 'Hide' }).click();
    await expect(revealed).toHaveCount(0);

    await page.keyboard.press('Alt+8');
    await expect(page.getByRole('row').filter({ hasText: 'vault secrets reveal' })).toHaveCount(1);
    await expect(page.getByRole('row').filter({ hasText: 'servers update' })).toHaveCount(1);
  });
});

test('a server that refuses the sign-in says why in the fleet table, and what to do on its page', async ({
  page,
  bridge,
}) => {
  const sshd = await startSshd();
  try {
    const call = bridgeCall(bridge);
    // A key the server does not know: the sign-in is refused.
    const key = (await call('vault.sshKeys.generate', { label: 'not installed' })) as { id: string };
    const server = (await call('servers.add', {
      name: 'locked-out',
      host: sshd.host,
      port: sshd.port,
      username: sshd.user,
      auth: { kind: 'key', secretId: key.id },
    })) as { id: string };
    await trustHostKey(call, server.id);
    await call('servers.refresh', { ids: [server.id] });
    await page.reload();
    const row = page.locator('tr[data-server="locked-out"]');
    await expect(row).toHaveAttribute('data-status', 'auth-failed');
    // The reason is in the table itself, not only in a tooltip.
    await expect(row.locator('.status-reason')).toBeVisible();
    await expect(row.locator('.status-reason')).not.toBeEmpty();
    await page.screenshot({ path: 'test-results/fleet-auth-failed.png' });
    await row.getByRole('button', { name: 'locked-out' }).click();
    // The fix matches the status: the host key is already confirmed.
    const missing = page.getByTestId('facts-missing');
    await expect(missing).toHaveText(/^Not read: Auth failed\. The server refused the sign-in/);
    await expect(missing).not.toContainText('host key');
    await page.screenshot({ path: 'test-results/server-auth-failed.png' });
  } finally {
    await sshd.stop();
  }
});
