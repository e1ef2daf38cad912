/**
 * loadModel: directory → ClipModel. Finds the encoders (layout.ts), opens ONNX sessions, reads
 * their signatures from the sessions (exports name and type their tensors differently, so nothing
 * is assumed), checks that
 * the towers agree with each other and with the preprocessing, and hashes the files.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { UserError } from '../util/errors.ts';
import { sha256File } from '../util/hash.ts';
import { checkDevice, deviceStartError, executionProviders, type Device } from './device.ts';
import { OnnxClipModel } from './clip-model.ts';
import { chooseImageEncodeMode } from './encode-mode.ts';
import type { Int8EncodeChoice } from './image-encode-modes.ts';
import type { ClipModel, ModelFile, TensorInfo, TextSignature, Tokenizer, VisionSignature } from './clip-model.ts';
import { detectLayout, modelName, resolvePreprocess, resolveTokenizerSpec } from './layout.ts';
import type { DetectedLayout, Variant } from './layout.ts';
import type { ResolvedManifest } from './manifest.ts';
import { readExternalDataLocations, readGraphSignature } from './onnx/signature.ts';
import type { PreprocessConfig } from './preprocess/config.ts';
import { loadTokenizer as loadClipTokenizer } from './tokenizer/index.ts';
import type { TokenizerSpec } from './tokenizer/spec.ts';

export interface LoadOptions {
  /** onnxruntime intra-op threads per session (default: all cores). */
  threads?: number;
  /** transformers.js exports: which weights (default fp32). */
  variant?: Variant;
  /** onnxruntime execution provider for both towers (default cpu). */
  device?: Device;
  /** Dynamically quantised (int8) vision graphs: the per-row rewrite when it applies (default), or one image per run. */
  int8Encode?: Int8EncodeChoice;
  /**
   * onnxruntime's intra-op threads busy-wait between parallel sections (its own default). Default false:
   * spinning threads take the cores preprocessing workers need (src/features/extraction-defaults.ts).
   */
  spinning?: boolean;
  /** Pad text to the full context length even where the text graph takes shorter sequences (a baseline). */
  padTextToContext?: boolean;
}

const INT_TYPES = ['int64', 'int32'];
const FLOAT_TYPES = ['float32', 'float16'];

interface GraphIO {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

/** A session on the file at `path`, or on `bytes` (a graph rewritten in memory from that file). */
async function openSession(path: string, threads: number, device: Device, spinning: boolean, bytes?: Uint8Array): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: executionProviders(device),
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } },
    graphOptimizationLevel: 'all',
    // Errors only: the optimiser's warnings (e.g. "Removing initializer … not used") describe the export
    // file, not this run, and would interleave with progress output; real failures still throw.
    logSeverityLevel: 3,
  };
  try {
    return await (bytes ? ort.InferenceSession.create(bytes, options) : ort.InferenceSession.create(path, options));
  } catch (e) {
    const first = (e as Error).message.split('\n')[0];
    // A provider that fails to start says so in its message; the model itself may be fine.
    if (device !== 'cpu' && /provider|adapter|cuda|tensorrt|webgpu|shared library/i.test(first)) throw deviceStartError(device, path, first);
    throw new UserError(`${path}: onnxruntime cannot load this model (${first})`);
  }
}

/** Inputs/outputs from the session; from the file itself if this onnxruntime lacks metadata. */
async function graphIO(session: ort.InferenceSession, path: string): Promise<GraphIO> {
  const fromMeta = (meta: readonly ort.InferenceSession.ValueMetadata[] | undefined, names: readonly string[]) =>
    meta && meta.length === names.length
      ? meta.map((m): TensorInfo =>
          m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'non-tensor', shape: [] },
        )
      : undefined;
  const inputs = fromMeta(session.inputMetadata, session.inputNames);
  const outputs = fromMeta(session.outputMetadata, session.outputNames);
  if (inputs && outputs) return { inputs, outputs };
  const sig = await readGraphSignature(path);
  const known = new Set(session.inputNames);
  return { inputs: sig.inputs.filter((i) => known.has(i.name)), outputs: sig.outputs };
}

function describe(t: TensorInfo): string {
  return `"${t.name}" (${t.type} [${t.shape.join(', ')}])`;
}

function pick(
  list: TensorInfo[],
  file: string,
  what: string,
  manifestName: string | undefined,
  manifestField: string,
  conventional: string,
  fallback: (l: TensorInfo[]) => TensorInfo[],
): TensorInfo {
  const names = list.map(describe).join(', ');
  if (manifestName !== undefined) {
    const t = list.find((x) => x.name === manifestName);
    if (!t) throw new UserError(`${file}: no ${what} "${manifestName}" (named by model.json "${manifestField}"); the graph has ${names}`);
    return t;
  }
  const byName = list.find((x) => x.name === conventional);
  if (byName) return byName;
  const candidates = fallback(list);
  if (candidates.length === 1) return candidates[0];
  throw new UserError(
    `${file}: cannot tell which ${what} to use (no "${conventional}"; the graph has ${names}); ` +
      `name it in model.json "${manifestField}"`,
  );
}

function rejectExtraInputs(io: GraphIO, used: (TensorInfo | undefined)[], file: string): void {
  const usedNames = new Set(used.filter((t) => t).map((t) => t!.name));
  const extra = io.inputs.filter((i) => !usedNames.has(i.name));
  if (extra.length) {
    throw new UserError(
      `${file}: the graph also needs input ${extra.map(describe).join(', ')}, which a CLIP encoder is not fed; ` +
        `re-export it without, or name the inputs in model.json`,
    );
  }
}

function visionSignature(io: GraphIO, file: string, found: DetectedLayout, pre: PreprocessConfig): VisionSignature {
  const m = found.manifest?.vision;
  const input = pick(io.inputs, file, 'input', m?.input, 'vision.input', 'pixel_values', (l) => l);
  rejectExtraInputs(io, [input], file);
  if (!FLOAT_TYPES.includes(input.type)) {
    throw new UserError(`${file}: input ${describe(input)} must be float32 or float16 pixels`);
  }
  if (input.shape.length > 0 && input.shape.length !== 4) {
    throw new UserError(`${file}: input ${describe(input)} must be rank 4 [batch, 3, height, width]`);
  }
  const [, c, h, w] = input.shape;
  if (typeof c === 'number' && c !== 3) {
    throw new UserError(`${file}: input ${describe(input)} has ${c} channels; CLIP encoders take 3 (RGB, NCHW)`);
  }
  if ((typeof h === 'number' && h !== pre.crop.height) || (typeof w === 'number' && w !== pre.crop.width)) {
    throw new UserError(
      `${file}: input ${describe(input)} takes ${h}×${w} images but preprocessing crops to ` +
        `${pre.crop.height}×${pre.crop.width}; set "preprocess" (size and crop) in ${join(found.dir, 'model.json')}`,
    );
  }
  const output = pick(io.outputs, file, 'output', m?.output, 'vision.output', 'image_embeds', rank2(io.outputs));
  if (output.shape.length > 0 && output.shape.length !== 2) {
    throw new UserError(
      `${file}: output ${describe(output)} is not [batch, dim]; name the projected image embedding in model.json "vision.output"`,
    );
  }
  return { file, input, output };
}

/** Outputs of rank 2, or every output when there is just one. */
function rank2(all: TensorInfo[]) {
  return (l: TensorInfo[]) => (all.length === 1 ? l : l.filter((t) => t.shape.length === 2));
}

function textSignature(io: GraphIO, file: string, found: DetectedLayout): TextSignature {
  const m = found.manifest?.text;
  const inputIds = pick(io.inputs, file, 'input', m?.inputIds, 'text.inputIds', 'input_ids', (l) =>
    l.filter((t) => INT_TYPES.includes(t.type) && !/mask/i.test(t.name)),
  );
  let attentionMask: TensorInfo | undefined;
  if (m?.attentionMask !== undefined) {
    attentionMask = pick(io.inputs, file, 'input', m.attentionMask, 'text.attentionMask', 'attention_mask', () => []);
  } else {
    attentionMask = io.inputs.find((t) => t.name === 'attention_mask' || (t !== inputIds && /mask/i.test(t.name)));
  }
  rejectExtraInputs(io, [inputIds, attentionMask], file);
  if (!INT_TYPES.includes(inputIds.type)) {
    throw new UserError(`${file}: input ${describe(inputIds)} must be int32 or int64 token ids`);
  }
  if (inputIds.shape.length > 0 && inputIds.shape.length !== 2) {
    throw new UserError(`${file}: input ${describe(inputIds)} must be rank 2 [batch, sequence]`);
  }
  if (attentionMask && ![...INT_TYPES, 'float32', 'bool'].includes(attentionMask.type)) {
    throw new UserError(`${file}: input ${describe(attentionMask)} has an unsupported type for an attention mask`);
  }
  const output = pick(io.outputs, file, 'output', m?.output, 'text.output', 'text_embeds', rank2(io.outputs));
  if (output.shape.length > 0 && output.shape.length !== 2 && output.shape.length !== 3) {
    throw new UserError(`${file}: output ${describe(output)} must be [batch, dim] or [batch, sequence, dim]`);
  }
  return { file, inputIds, ...(attentionMask ? { attentionMask } : {}), output, pooling: output.shape.length === 3 ? 'eot' : 'none' };
}

/** The embedding width: the output's static last dim, else one probe run. */
async function outputDim(
  session: ort.InferenceSession,
  out: TensorInfo,
  feeds: () => Record<string, ort.Tensor>,
): Promise<number> {
  const last = out.shape[out.shape.length - 1];
  if (typeof last === 'number' && last > 0) return last;
  const res = await session.run(feeds(), [out.name]);
  const dims = res[out.name].dims;
  return dims[dims.length - 1];
}

function probeTensor(type: string, data: number[], dims: number[]): ort.Tensor {
  if (type === 'int64') return new ort.Tensor('int64', BigInt64Array.from(data, (v) => BigInt(v)), dims);
  if (type === 'float32') return new ort.Tensor('float32', Float32Array.from(data), dims);
  if (type === 'float16') return new ort.Tensor('float16', new Uint16Array(data.length), dims); // zeros only
  if (type === 'bool') return new ort.Tensor('bool', Uint8Array.from(data), dims);
  return new ort.Tensor('int32', Int32Array.from(data), dims);
}

async function fileInfo(role: 'vision' | 'text', path: string): Promise<ModelFile> {
  const [sha256, st] = await Promise.all([sha256File(path), stat(path)]);
  return { role, path, sha256, bytes: st.size };
}

/**
 * The ONNX external-data files a tower's initializers name (models over 2 GB), checked to exist
 * before onnxruntime opens the model. They are part of the tower: hashed with it, so the feature
 * cache notices new weights even when the .onnx file itself is unchanged.
 */
async function externalDataPaths(path: string): Promise<string[]> {
  const paths: string[] = [];
  // A file that does not even parse is left to onnxruntime, whose error names what is wrong.
  const locations = await readExternalDataLocations(path).catch(() => [] as string[]);
  for (const location of locations) {
    const file = resolve(dirname(path), location);
    if (relative(dirname(path), file).startsWith('..')) {
      throw new UserError(`${path}: external data location "${location}" is outside the model's directory; re-export it`);
    }
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) throw new UserError(`${path}: its weights are in ${file}, which is missing; copy it next to the model`);
    paths.push(file);
  }
  return paths;
}

export async function loadModel(dir: string, opts: LoadOptions = {}): Promise<ClipModel> {
  const found = await detectLayout(dir, { variant: opts.variant });
  const preprocess = await resolvePreprocess(found);
  const threads = opts.threads ?? availableParallelism();
  const device = opts.device ?? 'cpu';
  checkDevice(device);
  const visionPath = join(found.dir, found.visionFile);
  const textPath = found.textFile ? join(found.dir, found.textFile) : undefined;

  const visionData = await externalDataPaths(visionPath);
  const textData = textPath ? await externalDataPaths(textPath) : [];
  let visionSession = await openSession(visionPath, threads, device, opts.spinning ?? false);
  let textSession: ort.InferenceSession | undefined;
  try {
    const vision = visionSignature(await graphIO(visionSession, visionPath), visionPath, found, preprocess);
    let text: TextSignature | undefined;
    let tokenizer: TokenizerSpec | undefined;
    if (textPath) {
      textSession = await openSession(textPath, threads, device, opts.spinning ?? false);
      text = textSignature(await graphIO(textSession, textPath), textPath, found);
      const seq = text.inputIds.shape[1];
      tokenizer = await resolveTokenizerSpec(found, {
        takesAttentionMask: text.attentionMask !== undefined,
        ...(typeof seq === 'number' ? { staticContextLength: seq } : {}),
      });
    }

    // Dynamic quantisation (DynamicQuantizeLinear) takes one activation scale per tensor, i.e. per batch:
    // an image's embedding would depend on the other images in its batch, and so on batch size, on which
    // rows were cached and on shard boundaries. Such graphs are rewritten to quantise per image and
    // batched, or else run one image per run (encode-mode.ts).
    const { height, width } = preprocess.crop;
    const encode = await chooseImageEncodeMode({
      visionPath,
      original: visionSession,
      input: vision.input,
      output: vision.output,
      height,
      width,
      choice: opts.int8Encode ?? 'auto',
      open: (bytes) => openSession(visionPath, threads, device, opts.spinning ?? false, bytes),
    });
    if (encode.session) {
      await visionSession.release();
      visionSession = encode.session;
    }
    const batchOf = (t: TensorInfo) => (typeof t.shape[0] === 'number' ? t.shape[0] : 1);
    const vDim = await outputDim(visionSession, vision.output, () => {
      const b = batchOf(vision.input);
      const dims = [b, 3, height, width];
      const n = b * 3 * height * width;
      return { [vision.input.name]: probeTensor(vision.input.type, new Array(n).fill(0), dims) };
    });
    let embeddingDim = vDim;
    if (text && textSession && tokenizer) {
      const t = text;
      const tDim = await outputDim(textSession, t.output, () => {
        const b = batchOf(t.inputIds);
        const L = tokenizer!.contextLength;
        const ids: number[] = [];
        const mask: number[] = [];
        for (let r = 0; r < b; r++) {
          for (let i = 0; i < L; i++) {
            ids.push(i === 0 ? 49406 : i === 1 ? 49407 : tokenizer!.padding === 'eot' ? 49407 : 0);
            mask.push(i < 2 ? 1 : 0);
          }
        }
        const feeds: Record<string, ort.Tensor> = { [t.inputIds.name]: probeTensor(t.inputIds.type, ids, [b, L]) };
        if (t.attentionMask) feeds[t.attentionMask.name] = probeTensor(t.attentionMask.type, mask, [b, L]);
        return feeds;
      });
      if (tDim !== vDim) {
        throw new UserError(
          `${found.dir}: the towers disagree: ${visionPath} output "${vision.output.name}" has dim ${vDim} but ` +
            `${textPath} output "${t.output.name}" has dim ${tDim}; the files are not a matching pair`,
        );
      }
    }
    const declared = found.manifest?.embeddingDim;
    if (declared !== undefined && declared !== embeddingDim) {
      throw new UserError(
        `${found.manifestPath}: "embeddingDim" is ${declared} but ${visionPath} output "${vision.output.name}" has dim ${embeddingDim}`,
      );
    }

    const files = [await fileInfo('vision', visionPath), ...(await Promise.all(visionData.map((p) => fileInfo('vision', p))))];
    if (textPath) files.push(await fileInfo('text', textPath), ...(await Promise.all(textData.map((p) => fileInfo('text', p)))));
    const m = found.manifest ?? {};
    const manifest: ResolvedManifest = {
      name: modelName(found),
      kind: found.kind,
      vision: { file: found.visionFile, input: vision.input.name, output: vision.output.name },
      ...(text && found.textFile
        ? {
            text: {
              file: found.textFile,
              inputIds: text.inputIds.name,
              ...(text.attentionMask ? { attentionMask: text.attentionMask.name } : {}),
              output: text.output.name,
            },
          }
        : {}),
      preprocess,
      ...(tokenizer ? { tokenizer } : {}),
      embeddingDim,
      logitScale: m.logitScale ?? 100,
      demo: m.demo ?? false,
      trainedOn: m.trainedOn ?? [],
      ...(m.notes !== undefined ? { notes: m.notes } : {}),
      ...(m.conversion !== undefined ? { conversion: m.conversion } : {}),
      fromFile: found.manifest !== undefined,
    };

    let loadTokenizer: (() => Promise<Tokenizer>) | undefined;
    if (tokenizer) {
      const spec = tokenizer;
      // Built on first encodeTexts: image-only work never pays for the BPE tables.
      loadTokenizer = () => loadClipTokenizer(spec);
    }
    return new OnnxClipModel({
      name: manifest.name,
      device,
      imageEncodeMode: encode.mode,
      ...(encode.mode === 'one-per-run' ? { imageBatchSize: 1 } : {}),
      ...(encode.reason ? { imageEncodeReason: encode.reason } : {}),
      ...(opts.padTextToContext ? { padTextToContext: true } : {}),
      spinning: opts.spinning ?? false,
      dir: found.dir,
      layout: found.layout,
      files,
      preprocess,
      ...(tokenizer ? { tokenizer } : {}),
      embeddingDim,
      logitScale: manifest.logitScale,
      manifest,
      signature: { vision, ...(text ? { text } : {}) },
      visionSession,
      ...(textSession ? { textSession } : {}),
      ...(loadTokenizer ? { loadTokenizer } : {}),
    });
  } catch (e) {
    await visionSession.release();
    await textSession?.release();
    throw e;
  }
}

