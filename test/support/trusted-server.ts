/** The steps every test with a real SSH server repeats: import its key, add it, confirm its host key. */
export type Call = (name: string, input: unknown) => Promise<unknown>;

export interface ServerSpec {
  name: string;
  host: string;
  port: number;
  username: string;
  privateKey: string;
  jumpServerId?: string;
}

export async function addTrustedServer(
  call: Call,
  spec: ServerSpec,
): Promise<{ serverId: string; keyId: string }> {
  const key = (await call('vault.sshKeys.import', {
    label: `${spec.name} key`,
    privateKey: spec.privateKey,
  })) as { id: string };
  const server = (await call('servers.add', {
    name: spec.name,
    host: spec.host,
    port: spec.port,
    username: spec.username,
    auth: { kind: 'key', secretId: key.id },
    ...(spec.jumpServerId ? { jumpServerId: spec.jumpServerId } : {}),
  })) as { id: string };
  await trustHostKey(call, server.id);
  return { serverId: server.id, keyId: key.id };
}

/** Confirms the key the server presents, as the operator does in the host-key dialog. */
export async function trustHostKey(call: Call, serverId: string): Promise<void> {
  const probe = (await call('servers.probeHostKey', { id: serverId })) as { fingerprint: string };
  await call('servers.trustHostKey', { id: serverId, fingerprint: probe.fingerprint });
}

/** A vps test host (root over SSH with its test key), added and trusted like a real server. */
export function addTestHost(
  call: Call,
  host: { name: string; address: string; ssh: { privateKey: Buffer } },
  name = host.name,
): Promise<{ serverId: string; keyId: string }> {
  return addTrustedServer(call, {
    name,
    host: host.address,
    port: 22,
    username: 'root',
    privateKey: host.ssh.privateKey.toString('utf8'),
  });
}

/** A local test sshd (test/ssh/harness/sshd.ts), added and trusted like a real server. */
export function addSshdServer(
  call: Call,
  sshd: { host: string; port: number; user: string; clientKey: string },
  name: string,
): Promise<{ serverId: string; keyId: string }> {
  return addTrustedServer(call, {
    name,
    host: sshd.host,
    port: sshd.port,
    username: sshd.user,
    privateKey: sshd.clientKey,
  });
}
