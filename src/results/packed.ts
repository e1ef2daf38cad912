/**
 * Per-example arrays inside results.json: a typed array's little-endian bytes, deflated (node:zlib) and
 * base64'd, with its dtype, shape and the SHA-256 of the raw bytes, so a damaged blob is detected and
 * named instead of silently feeding a comparison wrong rows.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { sha256 } from '../util/hash.ts';
import { UserError } from '../util/errors.ts';

export type PackedDtype = 'uint8' | 'uint16' | 'int32';

export interface PackedArray {
  dtype: PackedDtype;
  shape: number[];
  /** SHA-256 (hex) of the raw little-endian bytes before compression. */
  sha256: string;
  /** base64 of the raw-deflated bytes. */
  data: string;
}

type Typed = Uint8Array | Uint16Array | Int32Array;
const CTORS = { uint8: Uint8Array, uint16: Uint16Array, int32: Int32Array } as const;

/** The smallest dtype that holds class indices 0..K−1: uint8 up to 256 classes, else uint16. */
export const classDtype = (numClasses: number): PackedDtype => (numClasses <= 256 ? 'uint8' : 'uint16');

const bytesOf = (a: Typed) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function packArray(values: ArrayLike<number>, dtype: PackedDtype, shape: number[] = [values.length]): PackedArray {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== values.length) throw new Error(`packArray: ${values.length} values for shape [${shape.join(', ')}]`);
  const typed = CTORS[dtype].from(values as ArrayLike<number>);
  for (let i = 0; i < values.length; i++) if (typed[i] !== values[i]) throw new Error(`packArray: value ${values[i]} at ${i} does not fit ${dtype}`);
  const raw = bytesOf(typed);
  return { dtype, shape, sha256: sha256(raw), data: deflateRawSync(raw).toString('base64') };
}

/**
 * The typed array back, checked: a blob that does not inflate, has the wrong length for its shape, or
 * whose bytes no longer hash to its checksum is a UserError naming `where` (file and field).
 */
export function unpackArray(p: PackedArray, where: string): Typed {
  const ctor = CTORS[p.dtype];
  const fail = (why: string) => new UserError(`${where} is corrupt (${why}); rerun the bench that wrote it`);
  if (!ctor) throw fail(`unknown dtype ${JSON.stringify(p.dtype)}`);
  let raw: Buffer;
  try {
    raw = inflateRawSync(Buffer.from(p.data, 'base64'));
  } catch (e) {
    throw fail(`it does not inflate: ${(e as Error).message}`);
  }
  const size = p.shape.reduce((a, b) => a * b, 1);
  if (raw.byteLength !== size * ctor.BYTES_PER_ELEMENT) throw fail(`${raw.byteLength} bytes for ${p.dtype} [${p.shape.join(', ')}]`);
  if (sha256(raw) !== p.sha256) throw fail('SHA-256 mismatch');
  // Copy into an aligned buffer (a Buffer's offset need not be a multiple of the element size).
  const out = new ctor(size);
  bytesOf(out).set(raw);
  return out;
}
