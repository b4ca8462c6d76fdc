// What the benchmarks share: timing, medians, and plain ssh2 clients as the floor to compare with.
import ssh2 from 'ssh2';

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

export async function median(rounds: number, fn: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) samples.push((await timed(fn)).ms);
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/** Plain ssh2 clients, connected once, TCP_NODELAY like the pool's. */
export async function rawClients(addresses: string[], privateKey: Buffer): Promise<ssh2.Client[]> {
  return Promise.all(
    addresses.map(
      (host) =>
        new Promise<ssh2.Client>((resolve, reject) => {
          const client = new ssh2.Client();
          client
            .on('ready', () => {
              client.setNoDelay(true);
              resolve(client);
            })
            .on('error', reject)
            .connect({ host, port: 22, username: 'root', privateKey });
        }),
    ),
  );
}

export function rawExec(client: ssh2.Client, command: string): Promise<void> {
  return new Promise((resolve, reject) =>
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      stream.on('close', () => resolve()).resume();
      stream.stderr.resume();
    }),
  );
}
