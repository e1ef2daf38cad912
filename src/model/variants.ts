/**
 * The weight variants an export directory holds (transformers.js: fp32, `_quantized`, `_fp16`
 * per tower), with each tower's files (external data included), sizes and SHA-256: what
 * `models inspect` lists, without opening any ONNX session.
 */
import { stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { sha256File } from '../util/hash.ts';
import { detectLayout, VARIANT_SUFFIX } from './layout.ts';
import type { Variant } from './layout.ts';
import { readExternalDataLocations } from './onnx/signature.ts';

export interface VariantFile {
  role: 'vision' | 'text';
  /** Relative to the export directory. */
  file: string;
  bytes: number;
  sha256: string;
}

export interface ExportVariant {
  variant: Variant;
  files: VariantFile[];
  bytes: number;
}

async function towerFiles(dir: string, role: 'vision' | 'text', file: string): Promise<VariantFile[]> {
  const path = join(dir, file);
  // An unparsable file is listed as it is; loading it is what reports the damage.
  const data = (await readExternalDataLocations(path).catch(() => [] as string[])).map((l) => resolve(dirname(path), l));
  const out: VariantFile[] = [];
  for (const p of [path, ...data]) {
    const st = await stat(p).catch(() => undefined);
    if (!st) continue; // a missing data file is reported by the loader
    out.push({ role, file: relative(dir, p), bytes: st.size, sha256: await sha256File(p) });
  }
  return out;
}

export async function listVariants(dir: string): Promise<ExportVariant[]> {
  const found = await detectLayout(dir);
  const variants: ExportVariant[] = [];
  const candidates: [Variant, string, string | undefined][] =
    found.layout === 'transformers.js'
      ? (Object.keys(VARIANT_SUFFIX) as Variant[]).map((v) => [v, `onnx/vision_model${VARIANT_SUFFIX[v]}.onnx`, found.textFile && `onnx/text_model${VARIANT_SUFFIX[v]}.onnx`])
      : [['fp32', found.visionFile, found.textFile]];
  for (const [variant, vision, text] of candidates) {
    if (!(await stat(join(found.dir, vision)).catch(() => undefined))) continue;
    const files = await towerFiles(found.dir, 'vision', vision);
    if (text && (await stat(join(found.dir, text)).catch(() => undefined))) files.push(...(await towerFiles(found.dir, 'text', text)));
    variants.push({ variant, files, bytes: files.reduce((a, f) => a + f.bytes, 0) });
  }
  return variants;
}
