// What another machine sees of a host's ports: probes run from a second test host over the test
// network, the way a visitor on the internet would connect.
import { pollUntil } from '../harness/index.js';
import type { Host } from '../harness/index.js';

export type PortState = 'open' | 'refused' | 'timeout';

/** Tries a TCP connection from `from` to `target:port`: open, refused (RST) or timeout (dropped). */
export async function tcpProbe(from: Host, target: Host, port: number, seconds = 3): Promise<PortState> {
  const r = await from.exec(
    `timeout ${seconds} bash -c 'exec 3<>/dev/tcp/${target.address}/${port}' 2>/dev/null; echo $?`,
  );
  const code = Number(r.stdout.trim());
  if (code === 0) return 'open';
  if (code === 124) return 'timeout';
  return 'refused';
}

/** GET / over plain HTTP from `from` to `target`; returns the raw response (status line first). */
export async function httpGet(from: Host, target: Host, port = 80): Promise<string> {
  const r = await from.exec(
    `timeout 5 bash -c 'exec 3<>/dev/tcp/${target.address}/${port}; ` +
      `printf "GET / HTTP/1.0\\r\\nHost: probe.test\\r\\n\\r\\n" >&3; cat <&3'`,
  );
  return r.stdout;
}

/** Starts a TCP listener on 0.0.0.0:`port` of `host` (systemd-socket-activate: no nc in minbase). */
export async function startListener(host: Host, port: number): Promise<void> {
  const r = await host.exec(
    `systemd-run --unit=probe-listener-${port} systemd-socket-activate -l 0.0.0.0:${port} -a --inetd /bin/echo hostdeck-probe`,
  );
  if (r.code !== 0) throw new Error(`listener on ${host.name}:${port}: ${r.stderr}`);
  await pollUntil(
    10_000,
    async () =>
      (await host.exec(`bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}' 2>/dev/null`)).code === 0 || undefined,
    () => new Error(`listener on ${host.name}:${port} did not come up`),
  );
}
