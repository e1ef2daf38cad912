/**
 * The members of an uncompressed tar file (a webdataset shard) and where their bytes lie, found by
 * walking the 512-byte headers in one sequential read (hashing the file on the way when asked):
 * nothing is unpacked to disk, and images are later read by their offsets. Headers are decoded by
 * the `tar` package (ustar, GNU long names, pax extended headers), which is what Python's tarfile
 * (webdataset's TarWriter) writes.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { Header, Pax, type HeaderData } from 'tar';
import { UserError } from '../util/errors.ts';

export interface TarMember {
  /** Path inside the archive, as written (pax and GNU long names applied). */
  name: string;
  /** Byte offset of the member's data in the file, and its length. */
  offset: number;
  size: number;
}

const BLOCK = 512;
const CHUNK = 1 << 20;
const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/** What one pass over a shard gives: its members, the bodies of those asked for, and (when asked) its SHA-256. */
export interface TarScan {
  members: TarMember[];
  /** The bytes of the members `keep` chose (small ones: webdataset labels), by member name. */
  kept: Map<string, Buffer>;
  /** SHA-256 of the whole file, when `hash` was asked for. */
  sha256?: string;
}

/** Regular-file members of `path` in archive order; a file that is not a tar, or is cut short, is a UserError naming it. */
export async function listTarMembers(path: string): Promise<TarMember[]> {
  return (await scanTar(path)).members;
}

/**
 * One sequential read of a shard (1 MiB chunks): the headers are walked, the members `keep` chooses are
 * kept, and with `hash` every byte is hashed as it passes, so listing and hashing a shard read it once
 * (not a positioned read per header and per label plus a second, hashing pass).
 */
export async function scanTar(path: string, opts: { hash?: boolean; keep?: (name: string) => boolean } = {}): Promise<TarScan> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new UserError(`cannot read shard ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const hash = opts.hash ? createHash('sha256') : undefined;
  try {
    const r = new ChunkReader(fh, hash);
    const members: TarMember[] = [];
    const kept = new Map<string, Buffer>();
    let ex: HeaderData | undefined; // pax header for the next member
    let gex: HeaderData | undefined; // global pax header
    let longName: string | undefined; // GNU 'L' header for the next member
    for (;;) {
      const pos = r.pos;
      const block = await r.take(BLOCK);
      if (block.length === 0 && pos > 0) break; // archive without the end-of-archive blocks: tolerated, as tarfile does
      if (block.length < BLOCK) throw pos === 0 ? notATar(path) : cutShort(path, pos);
      if (block.every((b) => b === 0)) {
        if (pos === 0) throw notATar(path);
        break;
      }
      const h = new Header(block, 0, ex, gex);
      if (!h.cksumValid) throw pos === 0 ? notATar(path) : new UserError(`shard ${path} is damaged: the tar header at byte ${pos} fails its checksum; re-download or re-export the shard`);
      const size = h.size ?? 0;
      const dataAt = pos + BLOCK;
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      const type = h.type;
      if (type === 'ExtendedHeader' || type === 'GlobalExtendedHeader' || type === 'NextFileHasLongPath') {
        const body = await r.take(size);
        if (body.length < size) throw cutShort(path, pos);
        if (type === 'NextFileHasLongPath') longName = body.toString('utf8').replace(/\0.*$/s, '');
        else if (type === 'ExtendedHeader') ex = Pax.parse(body.toString('utf8'), ex, false);
        else gex = Pax.parse(body.toString('utf8'), gex, true);
        await r.skip(padded - size);
      } else {
        // A pax path wins whole: Header prepends the ustar prefix field to it (node-tar's ReadEntry re-applies the pax path after).
        const name = longName ?? ex?.path ?? h.path ?? '';
        const isFile = FILE_TYPES.has(type);
        if (isFile && opts.keep?.(name)) {
          const body = await r.take(size);
          if (body.length < size) throw cutShort(path, pos);
          kept.set(name, Buffer.from(body));
        } else if (!(await r.skip(size))) throw cutShort(path, pos);
        await r.skip(padded - size); // the last member's padding may be missing: tolerated, as before
        if (isFile) members.push({ name, offset: dataAt, size });
        ex = undefined;
        longName = undefined;
      }
    }
    if (hash) await r.drain();
    return { members, kept, sha256: hash?.digest('hex') };
  } finally {
    await fh.close();
  }
}

/** Sequential reads of a file in 1 MiB chunks, each hashed (when given a hash) as it is read. */
class ChunkReader {
  private buf = Buffer.alloc(0);
  private off = 0;
  private eof = false;
  /** Absolute offset of the next byte to be taken. */
  pos = 0;
  private filePos = 0;

  constructor(
    private readonly fh: FileHandle,
    private readonly hash?: Hash,
  ) {}

  private async more(): Promise<boolean> {
    if (this.eof) return false;
    const chunk = Buffer.allocUnsafe(CHUNK);
    const { bytesRead } = await this.fh.read(chunk, 0, CHUNK, this.filePos);
    if (bytesRead === 0) {
      this.eof = true;
      return false;
    }
    this.filePos += bytesRead;
    const got = chunk.subarray(0, bytesRead);
    this.hash?.update(got);
    this.buf = this.off < this.buf.length ? Buffer.concat([this.buf.subarray(this.off), got]) : got;
    this.off = 0;
    return true;
  }

  /** The next n bytes (fewer only at the end of the file); valid until the next call. */
  async take(n: number): Promise<Buffer> {
    while (this.buf.length - this.off < n && (await this.more()));
    const end = Math.min(this.off + n, this.buf.length);
    const out = this.buf.subarray(this.off, end);
    this.pos += end - this.off;
    this.off = end;
    return out;
  }

  /** Pass over n bytes; false when the file ends first. */
  async skip(n: number): Promise<boolean> {
    while (n > 0) {
      if (this.off >= this.buf.length && !(await this.more())) return false;
      const step = Math.min(n, this.buf.length - this.off);
      this.off += step;
      this.pos += step;
      n -= step;
    }
    return true;
  }

  /** Read (and hash) the rest of the file. */
  async drain(): Promise<void> {
    this.off = this.buf.length;
    while (await this.more()) this.off = this.buf.length;
  }
}

/** Read one member's bytes (a positioned read of the shard). */
export async function readTarMember(path: string, m: { offset: number; size: number }): Promise<Buffer> {
  return (await readTarMembers(path, [m]))[0];
}

/** Read several members' bytes through one file handle. */
export async function readTarMembers(path: string, members: readonly { offset: number; size: number }[]): Promise<Buffer[]> {
  const fh = await open(path, 'r');
  try {
    const out: Buffer[] = [];
    for (const m of members) {
      const buf = Buffer.alloc(m.size);
      const { bytesRead } = await fh.read(buf, 0, m.size, m.offset);
      if (bytesRead !== m.size) throw new UserError(`shard ${path} ended early at byte ${m.offset + bytesRead} (changed since the dataset was opened?); re-download or re-export it`);
      out.push(buf);
    }
    return out;
  } finally {
    await fh.close();
  }
}

const notATar = (path: string) => new UserError(`shard ${path} is not a tar file (no valid tar header at its start); a webdataset shard is an uncompressed .tar — re-download or re-export it`);
const cutShort = (path: string, pos: number) => new UserError(`shard ${path} is cut short (the member at byte ${pos} runs past the end of the file); re-download or re-export it`);
