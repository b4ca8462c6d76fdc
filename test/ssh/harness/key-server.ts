import { addTrustedServer } from '../../support/trusted-server';
import type { TestApp } from './app';
import type { Sshd } from './sshd';

/** Adds the sshd as a server with its client key imported into the vault, and trusts its host key. */
export async function addKeyServer(
  app: TestApp,
  sshd: Sshd,
  name = 'web-1',
  extra: { jumpServerId?: string } = {},
): Promise<{ id: string }> {
  const { serverId } = await addTrustedServer((n, i) => app.call(n as never, i as never), {
    name,
    host: sshd.host,
    port: sshd.port,
    username: sshd.user,
    privateKey: sshd.clientKey,
    ...extra,
  });
  return { id: serverId };
}
