/**
 * A small reader of MATLAB level-5 MAT-files (the "MAT-File Format" reference, MathWorks, R2019b:
 * a 128-byte header, then tagged data elements, each padded to 8 bytes; a miCOMPRESSED element is a
 * zlib stream holding one element). Enough for the ILSVRC2012 devkit's `data/meta.mat`: numeric
 * arrays, char arrays, cell arrays and struct arrays. Not read: sparse, object and function arrays,
 * complex numbers, and v7.3 files (HDF5), each refused by a MatFileError naming what was found.
 */
import { inflateSync } from 'node:zlib';

export class MatFileError extends Error {}

/** A value read from a MAT-file: numbers (column-major), a string, cells, or struct records (column-major). */
export type MatValue = { kind: 'numeric'; dims: number[]; data: number[] } | { kind: 'char'; dims: number[]; text: string } | { kind: 'cell'; dims: number[]; cells: MatValue[] } | { kind: 'struct'; dims: number[]; records: Record<string, MatValue>[] };

const MI = { INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9, INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15, UTF8: 16, UTF16: 17, UTF32: 18 } as const;
const MX = { CELL: 1, STRUCT: 2, OBJECT: 3, CHAR: 4, SPARSE: 5 } as const;

interface Element {
  type: number;
  data: Buffer;
}

/** Every top-level variable of a level-5 MAT-file, by name. */
export function readMatFile(buf: Buffer): Map<string, MatValue> {
  if (buf.length < 128) throw new MatFileError(`${buf.length} bytes, shorter than a MAT-file's 128-byte header`);
  const text = buf.subarray(0, 116).toString('latin1');
  if (text.startsWith('MATLAB 7.3')) throw new MatFileError('a MATLAB 7.3 (HDF5) file; save it as -v7 (or -v6) to read it here');
  if (!text.startsWith('MATLAB 5.0 MAT-file')) throw new MatFileError('no "MATLAB 5.0 MAT-file" header');
  const endian = buf.subarray(126, 128).toString('latin1');
  if (endian !== 'IM') throw new MatFileError(`byte order "${endian}" (big-endian files are not read)`);
  const out = new Map<string, MatValue>();
  let pos = 128;
  while (pos + 8 <= buf.length) {
    const { element, next } = readElement(buf, pos);
    pos = next;
    const el = element.type === MI.COMPRESSED ? readElement(inflate(element.data), 0).element : element;
    if (el.type !== MI.MATRIX) continue;
    const { name, value } = readMatrix(el.data);
    out.set(name, value);
  }
  return out;
}

function inflate(data: Buffer): Buffer {
  try {
    return inflateSync(data);
  } catch (e) {
    throw new MatFileError(`a compressed element does not inflate (${(e as Error).message})`);
  }
}

/** One tagged element at `pos`: the small form packs type and size into one word and data into the next. */
function readElement(buf: Buffer, pos: number): { element: Element; next: number } {
  if (pos + 8 > buf.length) throw new MatFileError(`truncated at byte ${pos}`);
  const first = buf.readUInt32LE(pos);
  if (first >>> 16 !== 0) {
    const size = first >>> 16;
    if (size > 4) throw new MatFileError(`a small element of ${size} bytes at byte ${pos}`);
    return { element: { type: first & 0xffff, data: buf.subarray(pos + 4, pos + 4 + size) }, next: pos + 8 };
  }
  const size = buf.readUInt32LE(pos + 4);
  const end = pos + 8 + size;
  if (end > buf.length) throw new MatFileError(`an element of ${size} bytes at byte ${pos} runs past the end of the file`);
  // Compressed elements are not padded; all others end on an 8-byte boundary.
  const next = first === MI.COMPRESSED ? end : pos + 8 + Math.ceil(size / 8) * 8;
  return { element: { type: first, data: buf.subarray(pos + 8, end) }, next };
}

function numbers(el: Element): number[] {
  const d = el.data;
  const read: Record<number, [number, (o: number) => number]> = {
    [MI.INT8]: [1, (o) => d.readInt8(o)],
    [MI.UINT8]: [1, (o) => d.readUInt8(o)],
    [MI.INT16]: [2, (o) => d.readInt16LE(o)],
    [MI.UINT16]: [2, (o) => d.readUInt16LE(o)],
    [MI.INT32]: [4, (o) => d.readInt32LE(o)],
    [MI.UINT32]: [4, (o) => d.readUInt32LE(o)],
    [MI.SINGLE]: [4, (o) => d.readFloatLE(o)],
    [MI.DOUBLE]: [8, (o) => d.readDoubleLE(o)],
    [MI.INT64]: [8, (o) => Number(d.readBigInt64LE(o))],
    [MI.UINT64]: [8, (o) => Number(d.readBigUInt64LE(o))],
  };
  const r = read[el.type];
  if (!r) throw new MatFileError(`numeric data of element type ${el.type}`);
  return Array.from({ length: Math.floor(d.length / r[0]) }, (_, i) => r[1](i * r[0]));
}

function chars(el: Element): string {
  if (el.type === MI.UTF8 || el.type === MI.UINT8 || el.type === MI.INT8) return el.data.toString('utf8');
  if (el.type === MI.UTF16 || el.type === MI.UINT16) return el.data.toString('utf16le');
  return String.fromCodePoint(...numbers(el));
}

/** A miMATRIX element's contents: array flags, dimensions, name, then the data its class calls for. */
function readMatrix(data: Buffer): { name: string; value: MatValue } {
  if (data.length === 0) return { name: '', value: { kind: 'numeric', dims: [0, 0], data: [] } };
  const parts: Element[] = [];
  let pos = 0;
  const next = (): Element => {
    const { element, next: n } = readElement(data, pos);
    pos = n;
    parts.push(element);
    return element;
  };
  const cls = next().data.readUInt32LE(0) & 0xff;
  const dims = numbers(next());
  const name = chars(next());
  const count = dims.reduce((a, b) => a * b, 1);
  if (cls === MX.CHAR) {
    const text = pos < data.length ? chars(next()) : '';
    return { name, value: { kind: 'char', dims, text } };
  }
  if (cls === MX.CELL) {
    const cells = Array.from({ length: count }, () => readMatrix(next().data).value);
    return { name, value: { kind: 'cell', dims, cells } };
  }
  if (cls === MX.STRUCT) {
    const nameLength = numbers(next())[0];
    const raw = next().data;
    const fields = Array.from({ length: raw.length / nameLength }, (_, i) => raw.subarray(i * nameLength, (i + 1) * nameLength).toString('latin1').replace(/\0.*$/s, ''));
    const records = Array.from({ length: count }, () => Object.fromEntries(fields.map((f) => [f, readMatrix(next().data).value])));
    return { name, value: { kind: 'struct', dims, records } };
  }
  if (cls === MX.OBJECT || cls === MX.SPARSE || cls < 6 || cls > 15) throw new MatFileError(`variable "${name}" is of array class ${cls} (only numeric, char, cell and struct arrays are read)`);
  return { name, value: { kind: 'numeric', dims, data: count === 0 ? [] : numbers(next()) } };
}

/** The number in a scalar numeric value (a 1×1 array), or undefined. */
export function matScalar(v: MatValue | undefined): number | undefined {
  return v?.kind === 'numeric' && v.data.length === 1 ? v.data[0] : undefined;
}

/** The text of a char value, or undefined. */
export function matText(v: MatValue | undefined): string | undefined {
  return v?.kind === 'char' ? v.text : undefined;
}
