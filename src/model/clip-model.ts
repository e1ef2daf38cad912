/**
 * A loaded CLIP-format export: two ONNX sessions (or one, for image-only models) behind
 * `encodeImages` / `encodeTexts`. Embeddings are returned raw, exactly as the graph outputs them
 * (normalisation is the evaluation's job). Built by loadModel (src/model/load.ts).
 */
import * as ort from 'onnxruntime-node';
import { UserError } from '../util/errors.ts';
import type { ImageEncodeMode } from './image-encode-modes.ts';
import type { ResolvedManifest } from './manifest.ts';
import { float32ToHalfArray, halfToFloat32Array } from './onnx/fp16.ts';
import type { PreprocessConfig } from './preprocess/config.ts';
import type { TokenizedBatch, TokenizerSpec } from './tokenizer/spec.ts';
import { cosine, longestRow, shortestRow } from './text-padding.ts';

/** A graph input or output as the session reports it. */
export interface TensorInfo {
  name: string;
  /** onnxruntime type name: 'float32', 'float16', 'int64', 'int32', … */
  type: string;
  /** Static dims as numbers, symbolic ones as strings; [] when the graph does not say. */
  shape: (number | string)[];
}

export interface VisionSignature {
  file: string;
  input: TensorInfo;
  output: TensorInfo;
}

export interface TextSignature {
  file: string;
  inputIds: TensorInfo;
  attentionMask?: TensorInfo;
  output: TensorInfo;
  /** 'eot': the output is [batch, seq, dim] and is read at the end-token position. */
  pooling: 'none' | 'eot';
}

export interface ModelSignature {
  vision: VisionSignature;
  text?: TextSignature;
}

export interface ModelFile {
  role: 'vision' | 'text';
  /** Absolute path. */
  path: string;
  sha256: string;
  bytes: number;
}

export interface ClipModel {
  name: string;
  /** onnxruntime execution provider of its sessions (absent: cpu). */
  device?: string;
  /**
   * How images go through the vision session (encode-mode.ts): 'batched'; 'per-row-dq', a dynamically
   * quantised graph rewritten to quantise each image on its own; 'one-per-run', one that was not. Absent: batched.
   */
  imageEncodeMode?: ImageEncodeMode;
  /** Why a dynamically quantised graph runs one image per run. */
  imageEncodeReason?: string;
  /** onnxruntime's intra-op threads busy-wait between parallel sections (session option; default off). */
  spinning?: boolean;
  dir: string;
  /** 'transformers.js' | 'two-file' | 'manifest'. */
  layout: string;
  files: ModelFile[];
  preprocess: PreprocessConfig;
  tokenizer?: TokenizerSpec;
  embeddingDim: number;
  hasText: boolean;
  logitScale: number;
  manifest: ResolvedManifest;
  signature: ModelSignature;
  /** pixels: [n, 3, crop.height, crop.width] preprocessed; returns raw embeddings [n, embeddingDim]. */
  encodeImages(pixels: Float32Array, n: number): Promise<Float32Array>;
  /** Raw text embeddings [batch.n, embeddingDim] for already-tokenized text. */
  encodeTokens(batch: TokenizedBatch): Promise<Float32Array>;
  /** Tokenize (the model's own spec) and encode; [texts.length, embeddingDim]. */
  encodeTexts(texts: string[]): Promise<Float32Array>;
  /** Tokens per text (start and end tokens included, cut at the context length): what a batch pads to. */
  textTokenLengths(texts: string[]): Promise<Int32Array>;
  /** Texts per text-session run. */
  readonly textBatchSize: number;
  /**
   * 'longest': the text input's sequence axis is dynamic and ids are padded to the batch's longest
   * text (Hugging Face `padding=True`); 'context': padded to the full context length (77).
   */
  readonly textPadding: 'longest' | 'context';
  release(): Promise<void>;
}

export interface Tokenizer {
  tokenize(texts: string[]): TokenizedBatch;
  /** BPE ids of one text, without start and end tokens. */
  encode(text: string): number[];
}

export interface OnnxClipModelParts {
  name: string;
  /** onnxruntime execution provider the sessions run on (joins feature-cache keys when not cpu). */
  device: string;
  /** How images go through the vision session (joins feature-cache keys unless batched); default batched. */
  imageEncodeMode?: ImageEncodeMode;
  imageEncodeReason?: string;
  spinning?: boolean;
  dir: string;
  layout: string;
  files: ModelFile[];
  preprocess: PreprocessConfig;
  tokenizer?: TokenizerSpec;
  embeddingDim: number;
  logitScale: number;
  manifest: ResolvedManifest;
  signature: ModelSignature;
  visionSession: ort.InferenceSession;
  textSession?: ort.InferenceSession;
  /** Creates the tokenizer on first use of encodeTexts. */
  loadTokenizer?: () => Promise<Tokenizer>;
  imageBatchSize?: number;
  textBatchSize?: number;
  /** Pad text ids to the full context length even where the graph takes shorter sequences. */
  padTextToContext?: boolean;
}

/** The static batch dim of a graph input, if it has one. */
function staticBatch(info: TensorInfo): number | undefined {
  const b = info.shape[0];
  return typeof b === 'number' && b > 0 ? b : undefined;
}

function makeIntTensor(type: string, src: Int32Array, dims: number[]): ort.Tensor {
  switch (type) {
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(src, (v) => BigInt(v)), dims);
    case 'int32':
      return new ort.Tensor('int32', src, dims);
    case 'float32':
      return new ort.Tensor('float32', Float32Array.from(src), dims);
    case 'bool':
      return new ort.Tensor('bool', Uint8Array.from(src, (v) => (v ? 1 : 0)), dims);
    default:
      throw new Error(`unsupported integer input type ${type}`);
  }
}

export class OnnxClipModel implements ClipModel {
  readonly name: string;
  readonly device: string;
  readonly imageEncodeMode: ImageEncodeMode;
  readonly imageEncodeReason?: string;
  readonly spinning: boolean;
  readonly dir: string;
  readonly layout: string;
  readonly files: ModelFile[];
  readonly preprocess: PreprocessConfig;
  readonly tokenizer?: TokenizerSpec;
  readonly embeddingDim: number;
  readonly hasText: boolean;
  readonly logitScale: number;
  readonly manifest: ResolvedManifest;
  readonly signature: ModelSignature;
  private readonly vision: ort.InferenceSession;
  private readonly text?: ort.InferenceSession;
  private readonly makeTokenizer?: () => Promise<Tokenizer>;
  private tokenizerPromise?: Promise<Tokenizer>;
  private readonly imageBatchSize: number;
  readonly textBatchSize: number;
  readonly textPadding: 'longest' | 'context';
  /** Text-session runs and the token positions they computed (rows × padded length), for benchmarks. */
  readonly textWork = { runs: 0, tokens: 0 };
  /** Whether cutting the padding leaves this graph's embeddings as they were (checked on first use). */
  private paddingCheck?: Promise<boolean>;

  constructor(p: OnnxClipModelParts) {
    this.name = p.name;
    this.device = p.device;
    this.dir = p.dir;
    this.layout = p.layout;
    this.files = p.files;
    this.preprocess = p.preprocess;
    if (p.tokenizer) this.tokenizer = p.tokenizer;
    this.embeddingDim = p.embeddingDim;
    this.hasText = p.textSession !== undefined;
    this.logitScale = p.logitScale;
    this.manifest = p.manifest;
    this.signature = p.signature;
    this.vision = p.visionSession;
    this.text = p.textSession;
    this.makeTokenizer = p.loadTokenizer;
    const vb = staticBatch(p.signature.vision.input);
    this.imageBatchSize = vb ?? p.imageBatchSize ?? 32;
    this.imageEncodeMode = p.imageEncodeMode ?? 'batched';
    if (p.imageEncodeReason !== undefined) this.imageEncodeReason = p.imageEncodeReason;
    this.spinning = p.spinning === true;
    const tb = p.signature.text ? staticBatch(p.signature.text.inputIds) : undefined;
    this.textBatchSize = tb ?? p.textBatchSize ?? 64;
    const seq = p.signature.text?.inputIds.shape[1];
    this.textPadding = typeof seq !== 'number' && !p.padTextToContext ? 'longest' : 'context';
  }

  async encodeImages(pixels: Float32Array, n: number): Promise<Float32Array> {
    const { height, width } = this.preprocess.crop;
    const per = 3 * height * width;
    if (!Number.isInteger(n) || n < 0 || pixels.length !== n * per) {
      throw new Error(`encodeImages: got ${pixels.length} values for ${n} images of 3×${height}×${width}`);
    }
    const sig = this.signature.vision;
    const fixed = staticBatch(sig.input);
    const out = new Float32Array(n * this.embeddingDim);
    for (let start = 0; start < n; start += this.imageBatchSize) {
      const count = Math.min(this.imageBatchSize, n - start);
      const rows = fixed ?? count; // a static batch dim is filled with zero images
      let chunk = pixels.subarray(start * per, (start + count) * per);
      if (rows !== count) {
        const padded = new Float32Array(rows * per);
        padded.set(chunk);
        chunk = padded;
      }
      const dims = [rows, 3, height, width];
      const input =
        sig.input.type === 'float16'
          ? new ort.Tensor('float16', float32ToHalfArray(chunk), dims)
          : new ort.Tensor('float32', chunk, dims);
      const res = await this.vision.run({ [sig.input.name]: input }, [sig.output.name]);
      const emb = this.readOutput(res[sig.output.name], sig.file, sig.output.name, rows);
      out.set(emb.subarray(0, count * this.embeddingDim), start * this.embeddingDim);
    }
    return out;
  }

  async encodeTokens(batch: TokenizedBatch): Promise<Float32Array> {
    const sig = this.signature.text;
    if (!this.text || !sig) {
      throw new UserError(`${this.name}: this model has no text encoder (image-only); zero-shot needs one`);
    }
    const L = batch.contextLength;
    const seq = sig.inputIds.shape[1];
    if (typeof seq === 'number' && seq !== L) {
      throw new Error(`encodeTokens: ids have length ${L} but ${sig.file} input "${sig.inputIds.name}" takes ${seq}`);
    }
    const trim = this.textPadding === 'longest' && (await this.paddingCutIsExact(batch));
    return this.runTokens(batch, trim, true);
  }

  /** The text session over a tokenized batch, each run padded to its longest text (`trim`) or to the context. */
  private async runTokens(batch: TokenizedBatch, trim: boolean, counted: boolean): Promise<Float32Array> {
    const sig = this.signature.text!;
    const L = batch.contextLength;
    const fixed = staticBatch(sig.inputIds);
    const d = this.embeddingDim;
    const out = new Float32Array(batch.n * d);
    for (let start = 0; start < batch.n; start += this.textBatchSize) {
      const count = Math.min(this.textBatchSize, batch.n - start);
      const rows = fixed ?? count;
      // A causal text tower reads each text at its end token, which never attends to the padding after
      // it: a dynamic sequence axis is padded to the batch's longest text only (Hugging Face padding=True).
      const S = trim ? longestRow(batch, start, count) : L;
      const ids = new Int32Array(rows * S);
      const mask = new Int32Array(rows * S);
      for (let r = 0; r < count; r++) {
        const from = (start + r) * L;
        ids.set(batch.ids.subarray(from, from + S), r * S);
        mask.set(batch.attentionMask.subarray(from, from + S), r * S);
      }
      const feeds: Record<string, ort.Tensor> = {
        [sig.inputIds.name]: makeIntTensor(sig.inputIds.type, ids, [rows, S]),
      };
      if (sig.attentionMask) feeds[sig.attentionMask.name] = makeIntTensor(sig.attentionMask.type, mask, [rows, S]);
      const res = await this.text!.run(feeds, [sig.output.name]);
      if (counted) {
        this.textWork.runs++;
        this.textWork.tokens += rows * S;
      }
      const value = res[sig.output.name];
      if (sig.pooling === 'eot' || value.dims.length === 3) {
        const hidden = this.readFloats(value, sig.file, sig.output.name);
        const [, S, D] = value.dims;
        if (value.dims.length !== 3 || D !== d) {
          throw new Error(`${sig.file}: output "${sig.output.name}" has dims [${value.dims.join(', ')}], expected [batch, seq, ${d}]`);
        }
        for (let r = 0; r < count; r++) {
          const pos = batch.eotPositions[start + r];
          if (pos < 0 || pos >= S) throw new Error(`encodeTokens: end-token position ${pos} outside ${S}`);
          out.set(hidden.subarray((r * S + pos) * D, (r * S + pos + 1) * D), (start + r) * d);
        }
      } else {
        const emb = this.readOutput(value, sig.file, sig.output.name, rows);
        out.set(emb.subarray(0, count * d), start * d);
      }
    }
    return out;
  }

  async encodeTexts(texts: string[]): Promise<Float32Array> {
    const tok = await this.textTokenizer();
    const d = this.embeddingDim;
    const out = new Float32Array(texts.length * d);
    for (let start = 0; start < texts.length; start += this.textBatchSize) {
      const part = texts.slice(start, start + this.textBatchSize);
      out.set(await this.encodeTokens(tok.tokenize(part)), start * d);
    }
    return out;
  }

  async textTokenLengths(texts: string[]): Promise<Int32Array> {
    const tok = await this.textTokenizer();
    const L = this.tokenizer?.contextLength ?? 77;
    return Int32Array.from(texts, (t) => Math.min(tok.encode(t).length + 2, L));
  }

  private async textTokenizer(): Promise<Tokenizer> {
    if (!this.text || !this.makeTokenizer) {
      throw new UserError(`${this.name}: this model has no text encoder (image-only); zero-shot needs one`);
    }
    this.tokenizerPromise ??= this.makeTokenizer();
    return this.tokenizerPromise;
  }

  /**
   * Whether this graph gives a text the same embedding without the padding after it (cosine ≥ 0.99999),
   * checked once on the shortest text of the first batch that has padding: true for CLIP's causal towers, false for a tower
   * that attends to the padding (then every batch is padded to the context length, as before).
   */
  private paddingCutIsExact(batch: TokenizedBatch): Promise<boolean> {
    // Every text fills the context: nothing to cut, and nothing learnt about the graph yet.
    if (batch.n === 0 || shortestRow(batch).length >= batch.contextLength) return Promise.resolve(false);
    this.paddingCheck ??= (async () => {
      const { row } = shortestRow(batch);
      const L = batch.contextLength;
      const at = (a: Int32Array) => a.slice(row * L, (row + 1) * L);
      const one = { n: 1, contextLength: L, ids: at(batch.ids), attentionMask: at(batch.attentionMask), eotPositions: batch.eotPositions.slice(row, row + 1) };
      return cosine(await this.runTokens(one, false, false), await this.runTokens(one, true, false)) >= 0.99999;
    })();
    return this.paddingCheck;
  }

  async release(): Promise<void> {
    await this.vision.release();
    await this.text?.release();
  }

  private readFloats(value: ort.OnnxValue, file: string, name: string): Float32Array {
    const t = value as ort.Tensor;
    if (t.type === 'float32') return t.data as Float32Array;
    if (t.type === 'float16') return halfToFloat32Array(t.data as Uint16Array);
    throw new Error(`${file}: output "${name}" is ${t.type}, expected float32 or float16`);
  }

  /** A [rows, embeddingDim] output as float32. */
  private readOutput(value: ort.OnnxValue, file: string, name: string, rows: number): Float32Array {
    const t = value as ort.Tensor;
    if (t.dims.length !== 2 || t.dims[0] !== rows || t.dims[1] !== this.embeddingDim) {
      throw new Error(
        `${file}: output "${name}" has dims [${t.dims.join(', ')}], expected [${rows}, ${this.embeddingDim}]`,
      );
    }
    return this.readFloats(t, file, name);
  }
}
