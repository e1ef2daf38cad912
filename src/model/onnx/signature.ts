/**
 * Read a model's graph inputs/outputs without decoding (or even loading) its weights: walk the
 * protobuf wire format with positional reads, skipping nodes and initializers by their length
 * prefix. A 350 MB export costs a few hundred small reads.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { DataType, onnxRoot } from './schema.ts';
import type { OperatorSetIdProto, ValueInfoProto } from './schema.ts';

export interface TensorSignature {
  name: string;
  /** onnxruntime-style type name ('float32', 'int64', …), or 'unknown'. */
  type: string;
  /** Static dims as numbers, symbolic dims as strings, unknown dims as '?'. */
  shape: (number | string)[];
}

export interface GraphSignature {
  irVersion: number;
  opsets: OperatorSetIdProto[];
  inputs: TensorSignature[];
  outputs: TensorSignature[];
}

const TYPE_NAMES: Record<number, string> = {
  [DataType.FLOAT]: 'float32',
  [DataType.UINT8]: 'uint8',
  [DataType.INT8]: 'int8',
  [DataType.UINT16]: 'uint16',
  [DataType.INT16]: 'int16',
  [DataType.INT32]: 'int32',
  [DataType.INT64]: 'int64',
  [DataType.STRING]: 'string',
  [DataType.BOOL]: 'bool',
  [DataType.FLOAT16]: 'float16',
  [DataType.DOUBLE]: 'float64',
  [DataType.UINT32]: 'uint32',
  [DataType.UINT64]: 'uint64',
  [DataType.BFLOAT16]: 'bfloat16',
};

const ValueInfoType = onnxRoot.lookupType('onnx.ValueInfoProto');
const OpsetType = onnxRoot.lookupType('onnx.OperatorSetIdProto');
const EntryType = onnxRoot.lookupType('onnx.StringStringEntryProto');

export function tensorSignature(vi: ValueInfoProto): TensorSignature {
  const t = vi.type?.tensor_type;
  return {
    name: vi.name,
    type: t ? (TYPE_NAMES[t.elem_type] ?? 'unknown') : 'unknown',
    shape: (t?.shape?.dim ?? []).map((d) => d.dim_value ?? d.dim_param ?? '?'),
  };
}

/** Positional reader with a small window cache, so walking many small fields is cheap. */
class FileWindow {
  private buf = Buffer.alloc(0);
  private start = 0;
  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  async bytes(pos: number, len: number): Promise<Buffer> {
    if (pos < this.start || pos + len > this.start + this.buf.length) {
      const want = Math.min(Math.max(len, 1 << 16), this.size - pos);
      const b = Buffer.alloc(want);
      const { bytesRead } = await this.fh.read(b, 0, want, pos);
      this.buf = b.subarray(0, bytesRead);
      this.start = pos;
      if (bytesRead < len) throw new Error(`truncated protobuf at byte ${pos}`);
    }
    return this.buf.subarray(pos - this.start, pos - this.start + len);
  }

  /** A varint at pos: its value (exact below 2^53) and the position after it. */
  async varint(pos: number): Promise<[number, number]> {
    const b = await this.bytes(pos, Math.min(10, this.size - pos));
    let value = 0;
    let scale = 1;
    for (let i = 0; i < b.length; i++) {
      value += (b[i] & 0x7f) * scale;
      scale *= 128;
      if ((b[i] & 0x80) === 0) return [value, pos + i + 1];
    }
    throw new Error(`bad varint at byte ${pos}`);
  }
}

type Visit = (field: number, wire: number, pos: number, len: number) => Promise<void>;

/** Call `visit` for each field in [pos, end); for wire type 0 `len` is the varint's value. */
async function walk(w: FileWindow, pos: number, end: number, visit: Visit): Promise<void> {
  while (pos < end) {
    const [tag, p1] = await w.varint(pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const [v, p2] = await w.varint(p1);
      await visit(field, wire, p1, v);
      pos = p2;
    } else if (wire === 1) {
      pos = p1 + 8;
    } else if (wire === 2) {
      const [len, p2] = await w.varint(p1);
      await visit(field, wire, p2, len);
      pos = p2 + len;
    } else if (wire === 5) {
      pos = p1 + 4;
    } else {
      throw new Error(`unsupported protobuf wire type ${wire} at byte ${pos}`);
    }
  }
  if (pos !== end) throw new Error('protobuf field overruns its message');
}

/**
 * The graph's declared inputs and outputs. Initializers listed as graph inputs (IR < 4 exports)
 * are included as they are declared; callers feeding inputs should skip names they do not know.
 */
export async function readGraphSignature(path: string): Promise<GraphSignature> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const w = new FileWindow(fh, size);
    const sig: GraphSignature = { irVersion: 0, opsets: [], inputs: [], outputs: [] };
    let sawGraph = false;
    await walk(w, 0, size, async (field, wire, pos, len) => {
      if (field === 1 && wire === 0) sig.irVersion = len;
      else if (field === 8 && wire === 2) {
        const o = OpsetType.toObject(OpsetType.decode(await w.bytes(pos, len)), { longs: Number });
        sig.opsets.push({ domain: o.domain ?? '', version: o.version ?? 0 });
      } else if (field === 7 && wire === 2) {
        sawGraph = true;
        await walk(w, pos, pos + len, async (gf, gw, gp, gl) => {
          if ((gf === 11 || gf === 12) && gw === 2) {
            const vi = ValueInfoType.toObject(ValueInfoType.decode(await w.bytes(gp, gl)), { longs: Number });
            (gf === 11 ? sig.inputs : sig.outputs).push(tensorSignature(vi as ValueInfoProto));
          }
        });
      }
    });
    if (!sawGraph) throw new Error('no graph in file (is it an ONNX model?)');
    return sig;
  } finally {
    await fh.close();
  }
}

/**
 * The external-data files the graph's initializers name (their `location`, relative to the model
 * file), without loading any weights: nodes are skipped, and inside each initializer only its
 * external_data entries (field 13) are decoded; raw_data is skipped by its length.
 */
export async function readExternalDataLocations(path: string): Promise<string[]> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const w = new FileWindow(fh, size);
    const found = new Set<string>();
    await walk(w, 0, size, async (field, wire, pos, len) => {
      if (field !== 7 || wire !== 2) return;
      await walk(w, pos, pos + len, async (gf, gw, gp, gl) => {
        if (gf !== 5 || gw !== 2) return;
        await walk(w, gp, gp + gl, async (tf, tw, tp, tl) => {
          if (tf !== 13 || tw !== 2) return;
          const e = EntryType.toObject(EntryType.decode(await w.bytes(tp, tl))) as { key?: string; value?: string };
          if (e.key === 'location' && e.value) found.add(e.value);
        });
      });
    });
    return [...found].sort();
  } finally {
    await fh.close();
  }
}

/**
 * The op types of the main graph's nodes (ModelProto.graph = 7, GraphProto.node = 1, NodeProto.op_type = 4),
 * without loading any weights: initializers are skipped by their length.
 */
export async function readOpTypes(path: string): Promise<Set<string>> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const w = new FileWindow(fh, size);
    const ops = new Set<string>();
    const utf8 = new TextDecoder();
    await walk(w, 0, size, async (field, wire, pos, len) => {
      if (field !== 7 || wire !== 2) return;
      await walk(w, pos, pos + len, async (gf, gw, gp, gl) => {
        if (gf !== 1 || gw !== 2) return;
        await walk(w, gp, gp + gl, async (nf, nw, np, nl) => {
          if (nf === 4 && nw === 2) ops.add(utf8.decode(await w.bytes(np, nl)));
        });
      });
    });
    return ops;
  } finally {
    await fh.close();
  }
}
