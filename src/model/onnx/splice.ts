/**
 * Re-serialise a rewritten model without re-encoding its weights. protobufjs takes seconds to encode a
 * 100 MB graph; a rewrite that only changes nodes and adds a few small initializers need not pay that on
 * every model load. The original initializer entries (GraphProto field 5) are copied byte for byte into
 * the newly encoded graph: protobuf lets a message's fields come in any order, and repeated fields
 * concatenate, so the result decodes to the rewritten model.
 */
import { encodeModel } from './schema.ts';
import type { ModelProto, TensorProto } from './schema.ts';

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;

function varint(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = pos; i < bytes.length && i < pos + 10; i++) {
    value += (bytes[i] & 0x7f) * scale;
    scale *= 128;
    if ((bytes[i] & 0x80) === 0) return [value, i + 1];
  }
  throw new Error(`bad varint at byte ${pos}`);
}

function writeVarint(value: number): Uint8Array {
  const out: number[] = [];
  while (value >= 128) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return Uint8Array.from(out);
}

interface Field {
  field: number;
  /** The whole entry: tag, length and payload. */
  start: number;
  end: number;
  /** The payload (length-delimited fields). */
  body: number;
}

function fields(bytes: Uint8Array, start: number, end: number): Field[] {
  const out: Field[] = [];
  let pos = start;
  while (pos < end) {
    const [tag, p1] = varint(bytes, pos);
    const wire = tag & 7;
    let next: number;
    let body = p1;
    if (wire === 0) next = varint(bytes, p1)[1];
    else if (wire === 1) next = p1 + 8;
    else if (wire === 5) next = p1 + 4;
    else if (wire === 2) {
      const [len, p2] = varint(bytes, p1);
      body = p2;
      next = p2 + len;
    } else throw new Error(`unsupported protobuf wire type ${wire} at byte ${pos}`);
    out.push({ field: Math.floor(tag / 8), start: pos, end: next, body });
    pos = next;
  }
  if (pos !== end) throw new Error('protobuf field overruns its message');
  return out;
}

/** The byte ranges of the graph's initializer entries in a serialised ModelProto. */
function initializerEntries(original: Uint8Array): Uint8Array[] {
  const graph = fields(original, 0, original.length).find((f) => f.field === MODEL_GRAPH);
  if (!graph) return [];
  return fields(original, graph.body, graph.end)
    .filter((f) => f.field === GRAPH_INITIALIZER)
    .map((f) => original.subarray(f.start, f.end));
}

/**
 * Serialise `model`, whose graph still holds every initializer of `original` (the bytes it was decoded
 * from) plus `added` ones appended, copying the original initializers' bytes instead of re-encoding them.
 */
export function encodeReusingInitializers(original: Uint8Array, model: ModelProto, added: TensorProto[]): Uint8Array {
  const slim = encodeModel({ ...model, graph: { ...model.graph, initializer: added } });
  const top = fields(slim, 0, slim.length);
  const graph = top.find((f) => f.field === MODEL_GRAPH);
  if (!graph) throw new Error('encoded model has no graph');
  const kept = initializerEntries(original);
  const graphLength = graph.end - graph.body + kept.reduce((a, b) => a + b.length, 0);
  return Buffer.concat([
    slim.subarray(0, graph.start),
    writeVarint(MODEL_GRAPH * 8 + 2),
    writeVarint(graphLength),
    slim.subarray(graph.body, graph.end),
    ...kept,
    slim.subarray(graph.end),
  ]);
}
