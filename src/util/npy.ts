/**
 * NumPy .npy files (format 1.0 written; 1.0–3.0 read): little-endian, C order. Used to hand
 * preprocessed pixels and exported features to Python (`np.load`).
 */
import { UserError } from './errors.ts';

export type NpyArray = Float32Array | Float64Array | Int32Array | Uint8Array | BigInt64Array;
export type NpyDtype = '<f4' | '<f8' | '<i4' | '|u1' | '<i8';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

function dtypeOf(data: NpyArray): NpyDtype {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof Uint8Array) return '|u1';
  if (data instanceof BigInt64Array) return '<i8';
  throw new TypeError('unsupported array type for .npy');
}

function checkLittleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('.npy I/O assumes a little-endian host');
}

/** Serialise `data` with `shape` (product must equal data.length; [] for a scalar). */
export function encodeNpy(data: NpyArray, shape: number[]): Buffer {
  checkLittleEndian();
  const count = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0) || count !== data.length) {
    throw new RangeError(`shape [${shape.join(', ')}] does not match ${data.length} elements`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${dtypeOf(data)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // magic(6) + version(2) + header length(2) + dict + padding spaces + '\n', total a multiple of 64.
  const unpadded = 10 + dict.length + 1;
  const headerLen = dict.length + 1 + ((64 - (unpadded % 64)) % 64);
  if (headerLen > 0xffff) throw new RangeError('shape too long for a version 1.0 .npy header');
  const header = Buffer.alloc(10 + headerLen, 0x20);
  MAGIC.copy(header, 0);
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(headerLen, 8);
  header.write(dict, 10, 'latin1');
  header[10 + headerLen - 1] = 0x0a;
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.concat([header, body]);
}

const CTORS = {
  '<f4': Float32Array,
  '<f8': Float64Array,
  '<i4': Int32Array,
  '|u1': Uint8Array,
  '<u1': Uint8Array,
  '<i8': BigInt64Array,
} as const;

/** The header of an .npy file: what the data is and where it starts. */
export interface NpyHeader {
  shape: number[];
  dtype: NpyDtype;
  /** Byte offset of the first data element. */
  dataOffset: number;
  /** Bytes the data takes (product of the shape × element size). */
  dataBytes: number;
}

/**
 * Parse the header only; `buf` needs to hold the header, not the data, so large files can be read
 * in parts. Big-endian, Fortran-order, object and other dtypes are refused.
 */
export function decodeNpyHeader(buf: Buffer, fileForErrors: string): NpyHeader {
  checkLittleEndian();
  const bad = (why: string): never => {
    throw new UserError(`${fileForErrors}: not a readable .npy file (${why})`);
  };
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) bad('missing \\x93NUMPY magic');
  const major = buf[6];
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) bad('truncated header');
    headerLen = buf.readUInt32LE(8);
    start = 12;
  } else {
    return bad(`unsupported format version ${major}.${buf[7]}`);
  }
  if (buf.length < start + headerLen) bad('truncated header');
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLen);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) return bad(`unparseable header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') bad('Fortran order is not supported; save with np.ascontiguousarray');
  if (!(descr in CTORS)) bad(`dtype '${descr}' is not supported (float32, float64, int32, uint8, int64 little-endian)`);
  const shape = shapeText
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
    .map((t) => (/^\d+$/.test(t) ? Number(t) : bad(`bad shape entry '${t}'`)));
  const count = shape.reduce((a, b) => a * b, 1);
  const dtype = (descr === '<u1' ? '|u1' : descr) as NpyDtype;
  return { shape, dtype, dataOffset: start + headerLen, dataBytes: count * CTORS[dtype].BYTES_PER_ELEMENT };
}

/** Parse an .npy file. Big-endian, Fortran-order, object and other dtypes are refused. */
export function decodeNpy(buf: Buffer, fileForErrors: string): { data: NpyArray; shape: number[]; dtype: NpyDtype } {
  const { shape, dtype, dataOffset, dataBytes } = decodeNpyHeader(buf, fileForErrors);
  if (buf.length - dataOffset < dataBytes) {
    throw new UserError(`${fileForErrors}: not a readable .npy file (expected ${dataBytes} data bytes for shape (${shape.join(', ')}), found ${buf.length - dataOffset})`);
  }
  const Ctor = CTORS[dtype];
  // Copy: the data in a Node Buffer need not be aligned for a typed-array view.
  const bytes = new Uint8Array(dataBytes);
  bytes.set(buf.subarray(dataOffset, dataOffset + dataBytes));
  return { data: new Ctor(bytes.buffer, 0, dataBytes / Ctor.BYTES_PER_ELEMENT), shape, dtype };
}
