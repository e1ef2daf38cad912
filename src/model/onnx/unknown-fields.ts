/**
 * Fields a serialized model holds that the vendored schema (onnx-ml.proto, ONNX 1.12, IR 8) does
 * not define: a newer exporter's additions (e.g. IR 10's NodeProto.metadata_props). protobufjs
 * skips such fields on decode, so a decode → encode rewrite drops them; `models convert` reports
 * them instead of dropping them silently. A walk over the wire format: tags and lengths only,
 * tensor payloads are skipped, not read.
 */
import protobuf from 'protobufjs';
import { ModelProtoType } from './schema.ts';

/** "Message field N" → how many times it occurs, for every field id the schema lacks. */
export function unknownFields(bytes: Uint8Array, type: protobuf.Type = ModelProtoType): Map<string, number> {
  const found = new Map<string, number>();
  const reader = protobuf.Reader.create(bytes);
  walk(reader, bytes.length, type, found);
  return found;
}

function walk(reader: protobuf.Reader, end: number, type: protobuf.Type, found: Map<string, number>): void {
  while (reader.pos < end) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wire = tag & 7;
    const field = type.fieldsById[id];
    const sub = field?.resolvedType;
    if (field && sub instanceof protobuf.Type && wire === 2) {
      const length = reader.uint32();
      const stop = reader.pos + length;
      walk(reader, stop, sub, found);
      reader.pos = stop;
      continue;
    }
    if (!field) {
      const key = `${type.name} field ${id}`;
      found.set(key, (found.get(key) ?? 0) + 1);
    }
    reader.skipType(wire);
  }
}

/** "NodeProto field 9 ×12, GraphProto field 16 ×1". */
export function describeUnknownFields(found: Map<string, number>): string {
  return [...found].map(([k, n]) => `${k} ×${n}`).join(', ');
}
