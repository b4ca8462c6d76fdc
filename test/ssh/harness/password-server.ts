import { trustHostKey } from '../../support/trusted-server';
import { createLocalUser, startApp } from './app';
import type { TestApp } from './app';
import { startSshd } from './sshd';
import type { Sshd } from './sshd';

/**
 * A fresh server as an operator first meets one: a real local user with a password, an sshd that
 * accepts it, the password in the vault, the server added with it and its host key confirmed. The
 * cleanups (app, sshd, user) are pushed onto `cleanups`, to run in reverse order.
 */
export async function startPasswordServer(cleanups: (() => unknown)[]): Promise<{
  app: TestApp;
  sshd: Sshd;
  user: { name: string; password: string };
  serverId: string;
  authorizedKeys: string;
}> {
  const user = createLocalUser();
  cleanups.push(user.remove);
  const [app, sshd] = await Promise.all([
    startApp(),
    startSshd({
      config: ['PasswordAuthentication yes', 'AuthorizedKeysFile .ssh/authorized_keys'],
      user: user.name,
    }),
  ]);
  cleanups.push(
    () => app.close(),
    () => sshd.stop(),
  );
  const pw = await app.call('vault.secrets.add', {
    kind: 'password',
    label: 'initial',
    password: user.password,
  });
  const server = await app.call('servers.add', {
    name: 'fresh',
    host: sshd.host,
    port: sshd.port,
    username: user.name,
    auth: { kind: 'password', secretId: pw.id },
  });
  await trustHostKey((n, i) => app.call(n as never, i as never), server.id);
  return { app, sshd, user, serverId: server.id, authorizedKeys: `/home/${user.name}/.ssh/authorized_keys` };
}
