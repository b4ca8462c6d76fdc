import { Client } from 'ssh2';
import type { ConnectConfig } from 'ssh2';

/** Runs one command over a fresh ssh2 connection (test helper; the product uses its pooled client). */
export function sshExec(
  config: ConnectConfig,
  command: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client
      .on('ready', () => {
        client.exec(command, (err, stream) => {
          if (err) {
            client.end();
            reject(err);
            return;
          }
          let stdout = '';
          let stderr = '';
          stream.on('data', (d: Buffer) => (stdout += d.toString()));
          stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          stream.on('close', (code: number | null) => {
            client.end();
            resolve({ code: code ?? -1, stdout, stderr });
          });
        });
      })
      .on('error', reject)
      .connect({ readyTimeout: 10_000, ...config });
  });
}
