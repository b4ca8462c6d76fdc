/**
 * A streaming reader of the ustar archives a host's `tar -cf -` writes: regular files only, each
 * handed over whole (name and content) as soon as its last byte arrives. Anything else (links,
 * directories, devices) is refused: the archives read here hold files we asked for by name.
 */
export class TarReader {
  private buf: Buffer = Buffer.alloc(0);
  private current: { name: string; size: number; parts: Buffer[]; have: number } | null = null;
  private skip = 0;
  private ended = false;

  constructor(private readonly onFile: (name: string, content: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      if (this.ended) return;
      if (this.current) {
        const want = this.current.size - this.current.have;
        if (want > 0) {
          if (this.buf.length === 0) return;
          const take = this.buf.subarray(0, Math.min(want, this.buf.length));
          this.current.parts.push(Buffer.from(take));
          this.current.have += take.length;
          this.buf = this.buf.subarray(take.length);
          if (this.current.have < this.current.size) return;
        }
        this.onFile(this.current.name, Buffer.concat(this.current.parts));
        this.skip = (512 - (this.current.size % 512)) % 512;
        this.current = null;
      }
      if (this.skip > 0) {
        const n = Math.min(this.skip, this.buf.length);
        this.buf = this.buf.subarray(n);
        this.skip -= n;
        if (this.skip > 0) return;
      }
      if (this.buf.length < 512) return;
      const header = this.buf.subarray(0, 512);
      this.buf = this.buf.subarray(512);
      if (header.every((b) => b === 0)) {
        this.ended = true; // the end-of-archive blocks
        return;
      }
      this.current = parseHeader(header);
    }
  }

  /** Fails when the archive stopped inside a file. */
  end(): void {
    if (this.current) throw new Error(`the archive ended inside ${this.current.name}`);
  }
}

function parseHeader(h: Buffer): { name: string; size: number; parts: Buffer[]; have: number } {
  const field = (start: number, len: number) =>
    h
      .subarray(start, start + len)
      .toString('utf8')
      .replace(/\0.*$/s, '');
  const sum = h.reduce((acc, b, i) => acc + (i >= 148 && i < 156 ? 32 : b), 0);
  if (parseInt(field(148, 8).trim() || '0', 8) !== sum) throw new Error('a tar header failed its checksum');
  const type = String.fromCharCode(h[156]!);
  const name = [field(345, 155), field(0, 100)].filter(Boolean).join('/');
  if (type !== '0' && type !== '\0')
    throw new Error(`unexpected entry ${name} (type ${JSON.stringify(type)})`);
  const size = parseInt(field(124, 12).trim() || '0', 8);
  if (!Number.isSafeInteger(size) || size < 0) throw new Error(`bad size for ${name}`);
  return { name, size, parts: [], have: 0 };
}
