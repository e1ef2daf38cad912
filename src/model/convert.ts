/**
 * `models convert`: an fp32 export → its fp16 or dynamic-int8 variant, written as a transformers.js
 * export (onnx/vision_model_fp16.onnx or onnx/vision_model_quantized.onnx, the same for text, side
 * files copied) with a `conversion` record in model.json, so `--variant fp16|quantized` loads it.
 * The whole directory is built in a temp sibling, loaded once as a check, then renamed into place.
 */
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { harnessVersion } from '../util/version.ts';
import { tempPathFor } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { detectLayout, VARIANT_SUFFIX } from './layout.ts';
import type { Variant } from './layout.ts';
import { loadModel } from './load.ts';
import { MANIFEST_FILE } from './manifest.ts';
import type { ConversionMethod, ConversionRecord, Manifest, ResolvedManifest } from './manifest.ts';
import { readModelFile, writeModelFile } from './onnx/external-data.ts';
import { quantizeDynamic } from './onnx/quantize-dynamic.ts';
import { readExternalDataLocations } from './onnx/signature.ts';
import { payloadBytes } from './onnx/tensor-data.ts';
import { describeUnknownFields, unknownFields } from './onnx/unknown-fields.ts';
import { convertWeightsToFp16 } from './onnx/weights-fp16.ts';
import { allInitializers } from './onnx/external-data.ts';

export interface ConvertOptions {
  to: ConversionMethod;
  perChannel?: boolean;
  /** int8-dynamic: also quantize Conv (ConvInteger). */
  conv?: boolean;
  /** Progress lines (one per tower). */
  log?: (line: string) => void;
}

export interface ConvertResult {
  dir: string;
  variant: Variant;
  files: { role: 'vision' | 'text'; path: string; bytes: number }[];
  conversion: ConversionRecord;
}

const VARIANT_OF: Record<ConversionMethod, Variant> = { fp16: 'fp16', 'int8-dynamic': 'quantized' };
const SIDE_FILES = ['preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'config.json', 'special_tokens_map.json'];
/** Protobuf cannot encode a message over 2 GB; keep a margin for the graph itself. */
const INLINE_LIMIT = 1.8 * 2 ** 30;

/** Rewrite one tower file; returns what the rewrite did and the files written. */
async function convertTower(src: string, dest: string, opts: ConvertOptions): Promise<{ stats: Record<string, number>; written: string[] }> {
  const source = await readFile(src);
  const model = await readModelFile(src, source);
  const unknown = unknownFields(source);
  let stats: Record<string, number>;
  if (opts.to === 'fp16') {
    const r = convertWeightsToFp16(model);
    stats = { initializersToFp16: r.converted, initializersKeptFp32: r.kept.length };
  } else {
    const opset = model.opset_import.find((o) => (o.domain ?? '') === '')?.version ?? 0;
    if (opset < 11) throw new UserError(`${src}: opset ${opset} has no DynamicQuantizeLinear (opset 11+); re-export with opset 11 or newer`);
    const r = quantizeDynamic(model, { perChannel: opts.perChannel, conv: opts.conv });
    stats = {};
    for (const q of r.quantized) stats[`quantized${q.op}`] = (stats[`quantized${q.op}`] ?? 0) + 1;
    stats.skipped = r.skipped.length;
  }
  if (unknown.size > 0) {
    // Fields newer than the vendored onnx-ml.proto (IR 8) cannot be re-encoded: say which, and count them in the record.
    stats.droppedUnknownFields = [...unknown.values()].reduce((a, b) => a + b, 0);
    opts.log?.(`warning: ${src}: fields unknown to the ONNX 1.12 schema (IR 8) are not written to the converted file: ${describeUnknownFields(unknown)}`);
  }
  model.producer_name = 'clip-bench convert';
  model.producer_version = harnessVersion();
  const external = (await readExternalDataLocations(src)).length > 0;
  let bytes = 0;
  for (const t of allInitializers(model.graph)) bytes += payloadBytes(t);
  const written = await writeModelFile(dest, model, external || bytes > INLINE_LIMIT ? { externalData: `${basename(dest)}_data` } : {});
  return { stats, written };
}

/** The source manifest for the converted export: tensor names kept, file names dropped (the layout names them). */
function convertedManifest(source: Manifest | undefined, resolved: ResolvedManifest, method: ConversionMethod, conversion: ConversionRecord): Manifest {
  const { vision: _v, text: _t, conversion: _c, ...rest } = source ?? {};
  // The resolved tokenizer is written out: layouts differ in their padding defaults (two-file pads
  // with zeros, transformers.js with <|endoftext|>), and the output is a transformers.js layout.
  const { tokenizerJson: _j, ...tokenizer } = resolved.tokenizer ?? {};
  const tj = source?.tokenizer?.tokenizerJson;
  return {
    ...rest,
    ...(resolved.tokenizer ? { tokenizer: { ...tokenizer, ...(tj ? { tokenizerJson: tj } : {}) } } : {}),
    name: `${resolved.name}-${method === 'fp16' ? 'fp16' : 'int8'}`,
    vision: { input: resolved.vision.input, output: resolved.vision.output },
    ...(resolved.text
      ? { text: { inputIds: resolved.text.inputIds, ...(resolved.text.attentionMask ? { attentionMask: resolved.text.attentionMask } : {}), output: resolved.text.output } }
      : {}),
    conversion,
  };
}

/** Convert the fp32 export in `sourceDir` into a new export at `outDir` (replaced whole if it exists). */
export async function convertExport(sourceDir: string, outDir: string, opts: ConvertOptions): Promise<ConvertResult> {
  const log = opts.log ?? (() => {});
  const found = await detectLayout(sourceDir);
  if (found.variant && found.variant !== 'fp32') {
    throw new UserError(`${sourceDir}: no fp32 files to convert (onnx/vision_model.onnx); this export holds only its ${found.variant} variant`);
  }
  // Loading checks the source is a working export and gives its resolved tensor names and hashes.
  const source = await loadModel(sourceDir, { threads: 1 });
  const resolved = source.manifest;
  const sourceFiles = source.files;
  await source.release();

  const variant = VARIANT_OF[opts.to];
  const suffix = VARIANT_SUFFIX[variant];
  const tmp = tempPathFor(outDir);
  await mkdir(join(tmp, 'onnx'), { recursive: true });
  try {
    const towers: Record<string, Record<string, number>> = {};
    const files: ConvertResult['files'] = [];
    const roles: ['vision' | 'text', string | undefined][] = [['vision', found.visionFile], ['text', found.textFile]];
    for (const [role, file] of roles) {
      if (!file) continue;
      const rel = `onnx/${role}_model${suffix}.onnx`;
      log(`${role}: ${join(found.dir, file)} → ${rel} (${opts.to}${opts.perChannel ? ', per channel' : ''})`);
      const { stats, written } = await convertTower(join(found.dir, file), join(tmp, rel), opts);
      towers[role] = stats;
      for (const w of written) files.push({ role, path: join(outDir, relative(tmp, w)), bytes: (await stat(w)).size });
    }
    for (const name of SIDE_FILES) {
      if (await stat(join(found.dir, name)).catch(() => undefined)) await copyFile(join(found.dir, name), join(tmp, name));
    }
    const tj = found.manifest?.tokenizer?.tokenizerJson;
    if (tj && !SIDE_FILES.includes(tj)) {
      await mkdir(dirname(join(tmp, tj)), { recursive: true });
      await copyFile(join(found.dir, tj), join(tmp, tj));
    }
    const conversion: ConversionRecord = {
      method: opts.to,
      ...(opts.to === 'int8-dynamic' ? { perChannel: opts.perChannel ?? false, ops: ['MatMul', 'Gemm', ...(opts.conv ? ['Conv'] : [])] } : {}),
      tool: `clip-bench ${harnessVersion()}`,
      source: {
        name: resolved.name,
        files: sourceFiles.map((f) => ({ role: f.role, file: relative(found.dir, f.path), sha256: f.sha256, bytes: f.bytes })),
      },
      towers,
    };
    const manifest = convertedManifest(found.manifest, resolved, opts.to, conversion);
    await writeFile(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    // The converted export must load before it replaces anything.
    const check = await loadModel(tmp, { threads: 1, variant });
    await check.release();
    await rm(outDir, { recursive: true, force: true });
    await rename(tmp, outDir);
    return { dir: outDir, variant, files, conversion };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
