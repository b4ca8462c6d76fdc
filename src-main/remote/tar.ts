/** A minimal POSIX ustar writer: enough to ship the script bundle in one SSH exec, with no tar on the laptop. */
export interface TarEntry {
  path: string;
  mode: number;
  content: Buffer;
}

export function tar(entries: readonly TarEntry[], mtime = 0): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    if (Buffer.byteLength(e.path) > 100) throw new Error(`path too long for ustar: ${e.path}`);
    const header = Buffer.alloc(512, 0);
    header.write(e.path, 0, 100, 'utf8');
    header.write(octal(e.mode, 7), 100, 8, 'ascii');
    header.write(octal(0, 7), 108, 8, 'ascii');
    header.write(octal(0, 7), 116, 8, 'ascii');
    header.write(octal(e.content.length, 11), 124, 12, 'ascii');
    header.write(octal(mtime, 11), 136, 12, 'ascii');
    header.fill(' ', 148, 156);
    header.write('0', 156, 1, 'ascii');
    header.write('ustar\0', 257, 6, 'ascii');
    header.write('00', 263, 2, 'ascii');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${octal(sum, 6)}\0 `, 148, 8, 'ascii');
    blocks.push(header, e.content, Buffer.alloc((512 - (e.content.length % 512)) % 512, 0));
  }
  blocks.push(Buffer.alloc(1024, 0));
  return Buffer.concat(blocks);
}

const octal = (n: number, width: number) => `${n.toString(8).padStart(width, '0')}\0`;
