/**
 * Reading initializer values out of TensorProtos, whichever field holds them (raw_data, the typed
 * repeated fields), for graph rewriting. External data must be resolved first (external-data.ts).
 */
import { DataType } from './schema.ts';
import type { TensorProto } from './schema.ts';

export const EXTERNAL = 1; // TensorProto.DataLocation.EXTERNAL

export function elementCount(t: TensorProto): number {
  return (t.dims ?? []).reduce((a, b) => a * b, 1);
}

export function isExternal(t: TensorProto): boolean {
  return t.data_location === EXTERNAL;
}

/** raw_data as an aligned copy when its view into the decoded buffer is misaligned for `bytesPer`. */
function alignedRaw(raw: Uint8Array, bytesPer: number): Uint8Array {
  if (raw.byteOffset % bytesPer === 0) return raw;
  return new Uint8Array(raw); // a copy (Buffer#slice would be another view)
}

/** A float32 initializer's values (a copy or an aligned view; do not modify). */
export function floatValues(t: TensorProto): Float32Array {
  if (t.data_type !== DataType.FLOAT) throw new Error(`tensor "${t.name}": not float32 (data_type ${t.data_type})`);
  if (isExternal(t)) throw new Error(`tensor "${t.name}": external data not loaded`);
  const n = elementCount(t);
  if (t.raw_data && t.raw_data.length > 0) {
    if (t.raw_data.length !== n * 4) throw new Error(`tensor "${t.name}": ${t.raw_data.length} raw bytes for ${n} float32 values`);
    const raw = alignedRaw(t.raw_data, 4);
    return new Float32Array(raw.buffer, raw.byteOffset, n);
  }
  const values = t.float_data ?? [];
  if (values.length !== n) throw new Error(`tensor "${t.name}": ${values.length} values for ${n} elements`);
  return Float32Array.from(values);
}

/** Bytes the tensor's values take (raw_data length, or the typed field's size). */
export function payloadBytes(t: TensorProto): number {
  if (t.raw_data) return t.raw_data.length;
  return 4 * ((t.float_data?.length ?? 0) + (t.int32_data?.length ?? 0)) + 8 * ((t.int64_data?.length ?? 0) + (t.double_data?.length ?? 0) + (t.uint64_data?.length ?? 0));
}

/** An int8 or uint8 initializer's values, widened to int32 (raw_data, or the int32_data field). */
export function byteValues(t: TensorProto): Int32Array {
  if (t.data_type !== DataType.INT8 && t.data_type !== DataType.UINT8) throw new Error(`tensor "${t.name}": not int8/uint8 (data_type ${t.data_type})`);
  if (isExternal(t)) throw new Error(`tensor "${t.name}": external data not loaded`);
  const n = elementCount(t);
  if (t.raw_data && t.raw_data.length > 0) {
    if (t.raw_data.length !== n) throw new Error(`tensor "${t.name}": ${t.raw_data.length} raw bytes for ${n} values`);
    const raw = t.data_type === DataType.INT8 ? new Int8Array(t.raw_data.buffer, t.raw_data.byteOffset, n) : t.raw_data;
    return Int32Array.from(raw);
  }
  const values = t.int32_data ?? [];
  if (values.length !== n) throw new Error(`tensor "${t.name}": ${values.length} values for ${n} elements`);
  return Int32Array.from(values);
}
