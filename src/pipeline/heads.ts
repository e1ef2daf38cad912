/**
 * `--save-heads dir`: every linear head a run fits (zero-shot, each linear probe, and each method whose
 * fit is a linear head on normalised features: zs-anchored, lp++, clap, every WiSE α) as an ONNX graph
 * (embeddings → logits, normalisation inside; src/model/onnx/linear-head.ts) plus its weights as .npy and
 * one JSON manifest, so a head runs wherever onnxruntime runs and `--load-heads` can score it elsewhere.
 */
import { join } from 'node:path';
import type { Dataset } from '../datasets/types.ts';
import type { ClipModel } from '../model/clip-model.ts';
import { linearHeadOnnx } from '../model/onnx/linear-head.ts';
import { zeroShotLinear } from '../evaluation/methods/linalg.ts';
import { linearOf } from '../evaluation/methods/head.ts';
import type { LinearWeights } from '../evaluation/probe/index.ts';
import { encodeNpy } from '../util/npy.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import type { FittedProbes } from './probe-step.ts';
import type { FittedMethods } from './methods-step.ts';

export const HEADS_SCHEMA = 'clip-bench/heads';

export interface SavedHead {
  /** Path of the .onnx file, relative to the heads folder. */
  file: string;
  coef: string;
  intercept: string;
  method: string;
  shots: number | 'all' | null;
  seed: number | null;
  hyperparameters: Record<string, number>;
}

export interface HeadsManifest {
  schema: typeof HEADS_SCHEMA;
  version: 1;
  dataset: string;
  classes: string[];
  model: { name: string; ref: string; embeddingDim: number; files: { role: string; sha256: string }[] };
  heads: SavedHead[];
}

/** The linear heads of one dataset's run, named for the manifest. */
export function collectHeads(fitted: FittedProbes | null, fm: FittedMethods | null, zeroShot: { W: Float32Array; scale: number } | null, K: number, d: number) {
  const out: { method: string; shots: number | 'all' | null; seed: number | null; hyperparameters: Record<string, number>; weights: LinearWeights }[] = [];
  if (zeroShot) out.push({ method: 'zero-shot', shots: null, seed: null, hyperparameters: { logitScale: zeroShot.scale }, weights: zeroShotLinear(zeroShot.W, zeroShot.scale, K, d) });
  for (const [k, list] of fitted?.fits ?? []) for (const f of list) out.push({ method: 'linear-probe', shots: k, seed: f.seed, hyperparameters: { C: f.C }, weights: f.weights });
  for (const [name, perShots] of fm?.fits ?? [])
    for (const [k, list] of perShots)
      for (const s of list) {
        const linear = linearOf(s.fit.head);
        if (linear) out.push({ method: name, shots: k, seed: s.seed, hyperparameters: s.fit.hyperparameters, weights: linear });
        for (const p of s.fit.curve?.points ?? []) {
          const w = linearOf(p.head);
          if (w) out.push({ method: `${name}@${s.fit.curve!.parameter}=${p.value}`, shots: k, seed: s.seed, hyperparameters: { ...s.fit.hyperparameters, [s.fit.curve!.parameter]: p.value }, weights: w });
        }
      }
  return out;
}

const stem = (h: { method: string; shots: number | 'all' | null; seed: number | null }) => [h.method.replace(/[^a-zA-Z0-9.+=-]+/g, '_').replace('@', '_'), h.shots === null ? '' : `${h.shots}shot`, h.seed === null ? '' : `seed${h.seed}`].filter(Boolean).join('-');

export async function saveHeads(dir: string, ds: Dataset, model: ClipModel, modelRef: string, heads: ReturnType<typeof collectHeads>): Promise<HeadsManifest> {
  const manifest: HeadsManifest = {
    schema: HEADS_SCHEMA,
    version: 1,
    dataset: ds.name,
    classes: [...ds.classes],
    model: { name: model.name, ref: modelRef, embeddingDim: heads[0]?.weights.numFeatures ?? 0, files: model.files.map((f) => ({ role: f.role, sha256: f.sha256 })) },
    heads: [],
  };
  for (const h of heads) {
    const base = stem(h);
    const meta = { dataset: ds.name, classes: JSON.stringify(ds.classes), model: model.name, model_sha256: model.files.map((f) => `${f.role}:${f.sha256}`).join(' '), method: h.method, shots: String(h.shots ?? ''), seed: String(h.seed ?? ''), hyperparameters: JSON.stringify(h.hyperparameters) };
    await writeFileAtomic(join(dir, `${base}.onnx`), linearHeadOnnx(h.weights, meta));
    await writeFileAtomic(join(dir, `${base}.coef.npy`), encodeNpy(Float32Array.from(h.weights.coef), [h.weights.numClasses, h.weights.numFeatures]));
    await writeFileAtomic(join(dir, `${base}.intercept.npy`), encodeNpy(Float32Array.from(h.weights.intercept), [h.weights.numClasses]));
    manifest.heads.push({ file: `${base}.onnx`, coef: `${base}.coef.npy`, intercept: `${base}.intercept.npy`, method: h.method, shots: h.shots, seed: h.seed, hyperparameters: h.hyperparameters });
  }
  await writeFileAtomic(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  return manifest;
}
