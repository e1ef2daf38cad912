/**
 * ONNX external data (onnx/external_data_helper.py; the IR spec's "External Tensor Data"): models
 * over protobuf's 2 GB limit keep initializer bytes in side files, each tensor naming
 * `location` (relative to the model file), `offset` and `length`. readModelFile loads such a model
 * with every tensor's bytes inline; writeModelFile can move large tensors out again.
 */
import { open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize } from 'node:path';
import { UserError } from '../../util/errors.ts';
import { decodeModel, encodeModel } from './schema.ts';
import type { GraphProto, ModelProto, TensorProto } from './schema.ts';
import { EXTERNAL, isExternal } from './tensor-data.ts';

/** Every initializer of the graph and of its subgraphs (If/Loop/Scan bodies). */
export function* allInitializers(graph: GraphProto): Generator<TensorProto> {
  yield* graph.initializer ?? [];
  for (const node of graph.node) {
    for (const a of node.attribute ?? []) {
      if (a.g) yield* allInitializers(a.g);
      for (const g of a.graphs ?? []) yield* allInitializers(g);
    }
  }
}

function entry(t: TensorProto, key: string): string | undefined {
  return t.external_data?.find((e) => e.key === key)?.value;
}

/**
 * Read `path` and resolve every external tensor into raw_data. Errors name the model file and the
 * data file: a location outside the model's directory, a missing file, a range past its end.
 */
/** `bytes`: the file's contents when the caller has already read them. */
export async function readModelFile(path: string, given?: Uint8Array): Promise<ModelProto> {
  const bytes = given ?? (await readFile(path));
  let model: ModelProto;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    throw new UserError(`${path}: not a readable ONNX model (${(e as Error).message}); re-export it`);
  }
  if (!model.graph) throw new UserError(`${path}: no graph in file (is it an ONNX model?)`);
  const handles = new Map<string, FileHandle>();
  try {
    for (const t of allInitializers(model.graph)) {
      if (!isExternal(t)) continue;
      const location = entry(t, 'location');
      if (!location || isAbsolute(location) || normalize(location).split(/[\\/]/).includes('..')) {
        throw new UserError(`${path}: tensor "${t.name}" has external data location "${location ?? ''}" outside the model's directory; re-export it`);
      }
      const file = join(dirname(path), location);
      let fh = handles.get(file);
      if (!fh) {
        try {
          fh = await open(file, 'r');
        } catch (e) {
          throw new UserError(`${path}: tensor "${t.name}" keeps its weights in ${file}, which cannot be read (${(e as NodeJS.ErrnoException).code}); copy it next to the model`);
        }
        handles.set(file, fh);
      }
      const size = (await fh.stat()).size;
      const offset = Number(entry(t, 'offset') ?? 0);
      const length = entry(t, 'length') !== undefined ? Number(entry(t, 'length')) : size - offset;
      if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > size) {
        throw new UserError(`${file}: tensor "${t.name}" wants bytes ${offset}..${offset + length} but the file has ${size}; the data file is truncated or does not belong to ${path}`);
      }
      const buf = Buffer.alloc(length);
      await fh.read(buf, 0, length, offset);
      t.raw_data = buf;
      delete t.external_data;
      delete t.data_location;
    }
  } finally {
    for (const fh of handles.values()) await fh.close();
  }
  return model;
}

export interface WriteOptions {
  /** Move tensors of at least `threshold` bytes into this file next to the model (its name, no directory). */
  externalData?: string;
  /** Default 1024, onnx's convert_model_to_external_data default. */
  threshold?: number;
}

/** Offsets are aligned so the data file can be memory-mapped tensor by tensor. */
const ALIGN = 4096;

/** Write `model` to `path` (not atomically: callers write into a temp directory). Returns the files written. */
export async function writeModelFile(path: string, model: ModelProto, opts: WriteOptions = {}): Promise<string[]> {
  const written = [path];
  if (opts.externalData) {
    const name = opts.externalData;
    if (basename(name) !== name) throw new Error(`external data file "${name}" must be a bare file name`);
    const threshold = opts.threshold ?? 1024;
    const dataPath = join(dirname(path), name);
    const fh = await open(dataPath, 'w');
    try {
      let offset = 0;
      for (const t of allInitializers(model.graph)) {
        const raw = t.raw_data;
        if (!raw || raw.length < threshold) continue;
        const start = Math.ceil(offset / ALIGN) * ALIGN;
        await fh.write(raw, 0, raw.length, start);
        t.external_data = [
          { key: 'location', value: name },
          { key: 'offset', value: String(start) },
          { key: 'length', value: String(raw.length) },
        ];
        t.data_location = EXTERNAL;
        delete t.raw_data;
        offset = start + raw.length;
      }
    } finally {
      await fh.close();
    }
    written.push(dataPath);
  }
  const fh = await open(path, 'w');
  try {
    await fh.writeFile(encodeModel(model));
  } finally {
    await fh.close();
  }
  return written;
}
