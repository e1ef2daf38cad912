/**
 * The members of an uncompressed tar file (a webdataset shard) and where their bytes lie, found by
 * walking the 512-byte headers with positioned reads: nothing is unpacked to disk and member data
 * is never read here, so listing a shard costs one header read per member. Headers are decoded by
 * the `tar` package (ustar, GNU long names, pax extended headers), which is what Python's tarfile
 * (webdataset's TarWriter) writes.
 */
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
const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/** Regular-file members of `path` in archive order; a file that is not a tar, or is cut short, is a UserError naming it. */
export async function listTarMembers(path: string): Promise<TarMember[]> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new UserError(`cannot read shard ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const fileSize = (await fh.stat()).size;
    const members: TarMember[] = [];
    const block = Buffer.alloc(BLOCK);
    let pos = 0;
    let ex: HeaderData | undefined; // pax header for the next member
    let gex: HeaderData | undefined; // global pax header
    let longName: string | undefined; // GNU 'L' header for the next member
    for (;;) {
      const { bytesRead } = await fh.read(block, 0, BLOCK, pos);
      if (bytesRead === 0 && pos > 0) break; // archive without the end-of-archive blocks: tolerated, as tarfile does
      if (bytesRead < BLOCK) throw cutShort(path, pos);
      if (block.every((b) => b === 0)) {
        if (pos === 0) throw notATar(path);
        break;
      }
      const h = new Header(block, 0, ex, gex);
      if (!h.cksumValid) throw pos === 0 ? notATar(path) : new UserError(`shard ${path} is damaged: the tar header at byte ${pos} fails its checksum; re-download or re-export the shard`);
      const size = h.size ?? 0;
      const dataAt = pos + BLOCK;
      if (dataAt + size > fileSize) throw cutShort(path, pos);
      const type = h.type;
      if (type === 'ExtendedHeader' || type === 'GlobalExtendedHeader' || type === 'NextFileHasLongPath') {
        const body = Buffer.alloc(size);
        await fh.read(body, 0, size, dataAt);
        if (type === 'NextFileHasLongPath') longName = body.toString('utf8').replace(/\0.*$/s, '');
        else if (type === 'ExtendedHeader') ex = Pax.parse(body.toString('utf8'), ex, false);
        else gex = Pax.parse(body.toString('utf8'), gex, true);
      } else {
        if (FILE_TYPES.has(type)) members.push({ name: longName ?? h.path ?? '', offset: dataAt, size });
        ex = undefined;
        longName = undefined;
      }
      pos = dataAt + Math.ceil(size / BLOCK) * BLOCK;
    }
    return members;
  } finally {
    await fh.close();
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
