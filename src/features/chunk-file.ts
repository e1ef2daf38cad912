import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../util/atomic.ts';

/**
 * One feature-cache chunk: the embeddings of some rows of a split, with their indices, sealed
 * by a SHA-256 so a truncated or bit-flipped file is detected and recomputed, never used.
 *
 * Layout (little-endian): magic "CBF1" | u32 dim | u32 rows | i32 indices[rows] | f32 data[rows*dim] | sha256(all before)
 */
const MAGIC = 0x31464243; // "CBF1"
const HEADER = 12;

export interface FeatureChunk {
  dim: number;
  indices: Int32Array;
  data: Float32Array;
}

/** A chunk read back: its rows and its seal (the SHA-256, hex), which content-named files carry in their name. */
export interface SealedChunk extends FeatureChunk {
  seal: string;
}

export function encodeChunk(chunk: FeatureChunk): Buffer {
  const rows = chunk.indices.length;
  if (chunk.data.length !== rows * chunk.dim) throw new Error(`chunk data length ${chunk.data.length} != ${rows}×${chunk.dim}`);
  const body = Buffer.alloc(HEADER + rows * 4 + rows * chunk.dim * 4);
  body.writeUInt32LE(MAGIC, 0);
  body.writeUInt32LE(chunk.dim, 4);
  body.writeUInt32LE(rows, 8);
  Buffer.from(chunk.indices.buffer, chunk.indices.byteOffset, rows * 4).copy(body, HEADER);
  Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength).copy(body, HEADER + rows * 4);
  const digest = createHash('sha256').update(body).digest();
  return Buffer.concat([body, digest]);
}

/** Decode and verify; returns null (with a reason) when the file is not a sound chunk. */
export function decodeChunk(buf: Buffer): SealedChunk | { corrupt: string } {
  if (buf.length < HEADER + 32) return { corrupt: 'file too short' };
  const body = buf.subarray(0, buf.length - 32);
  const digest = createHash('sha256').update(body).digest();
  if (!digest.equals(buf.subarray(buf.length - 32))) return { corrupt: 'checksum mismatch' };
  if (body.readUInt32LE(0) !== MAGIC) return { corrupt: 'bad magic' };
  const dim = body.readUInt32LE(4);
  const rows = body.readUInt32LE(8);
  if (body.length !== HEADER + rows * 4 + rows * dim * 4) return { corrupt: 'size does not match header' };
  // Copy out so the arrays are aligned and independent of the file buffer.
  const indices = new Int32Array(rows);
  Buffer.from(indices.buffer).set(body.subarray(HEADER, HEADER + rows * 4));
  const data = new Float32Array(rows * dim);
  Buffer.from(data.buffer).set(body.subarray(HEADER + rows * 4));
  return { dim, indices, data, seal: digest.toString('hex') };
}

/** The seal of an encoded chunk (its last 32 bytes), hex. */
export const sealOf = (encoded: Buffer): string => encoded.subarray(encoded.length - 32).toString('hex');

export async function writeChunk(path: string, chunk: FeatureChunk): Promise<void> {
  await writeFileAtomic(path, encodeChunk(chunk));
}

export async function readChunk(path: string): Promise<SealedChunk | { corrupt: string }> {
  return decodeChunk(await readFile(path));
}
