/**
 * Prompt-set encoding at ImageNet scale: the ViT-B/32-shaped causal text tower (bench/text-graph.ts, random
 * seeded weights) on OpenAI's 80 templates × 1,000 ImageNet-like class names (bench/imagenet-like-prompts.ts).
 *
 *   length-bucketed: embedTexts as `npm run bench` runs it (longest first, batches padded to their longest
 *                    prompt, sealed cache chunks in a temporary cache, progress) over the whole set;
 *   77-padded:       the same tower loaded with padTextToContext, over a sample of whole classes (its cost
 *                    per prompt does not depend on the prompt), interleaved class by class with the bucketed
 *                    encoder over the same sample, so the sample ratio pairs the two under the same load.
 * Equal embeddings: the cosine of each sampled prompt's two embeddings, and the zero-shot argmax over the
 * sampled classes for 1,000 random image features.
 *
 *   npx tsx bench/text-throughput.ts [--classes 1000] [--sample-classes 25]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { embedTexts } from '../src/features/text.ts';
import { zeroShotClassifier, zeroShotLogits } from '../src/evaluation/zeroshot.ts';
import { loadModel } from '../src/model/load.ts';
import type { OnnxClipModel } from '../src/model/clip-model.ts';
import { cosine } from '../src/model/text-padding.ts';
import { isEntryPoint } from '../src/cli/toolkit.ts';
import { Rng } from '../src/util/rng.ts';
import { imagenetLikePrompts } from './imagenet-like-prompts.ts';
import { TEXT_B32_DIR, writeTextExport } from './text-graph.ts';
import { machineInfo } from './vit-graph.ts';

export interface TextThroughputOptions {
  /** Classes in the full set (× 80 templates). */
  classes?: number;
  /** Whole classes (every 40th… spread over the set) for the 77-padded comparison. */
  sampleClasses?: number;
  threads?: number;
  log?: (line: string) => void;
}

export async function measureTextThroughput(opts: TextThroughputOptions = {}) {
  const log = opts.log ?? ((line: string) => console.error(line));
  const threads = opts.threads ?? availableParallelism();
  const set = imagenetLikePrompts(opts.classes ?? 1000);
  const K = set.classes.length;
  const T = set.templates.length;
  const S = Math.min(opts.sampleClasses ?? 25, K);
  const sampled = Array.from({ length: S }, (_, i) => Math.floor((i * K) / S));
  const samplePrompts = sampled.flatMap((c) => set.prompts.slice(c * T, (c + 1) * T));
  await writeTextExport(TEXT_B32_DIR);
  const bucketed = (await loadModel(TEXT_B32_DIR, { threads })) as OnnxClipModel;
  const padded = (await loadModel(TEXT_B32_DIR, { threads, padTextToContext: true })) as OnnxClipModel;
  await bucketed.encodeTexts(['warm up']);
  await padded.encodeTexts(['warm up']);
  const load0 = loadavg();

  // The whole set, as a user's run does it, with the progress lines timed.
  const cache = await mkdtemp(join(tmpdir(), 'text-throughput-'));
  const t0 = performance.now();
  let firstLine = NaN;
  let firstCount = NaN;
  const progressStream = {
    isTTY: false,
    write(s: string) {
      const t = (performance.now() - t0) / 1000;
      if (Number.isNaN(firstLine)) firstLine = t;
      if (Number.isNaN(firstCount) && !/started|done/.test(s)) firstCount = t;
      log(s.trimEnd());
      return true;
    },
  };
  const tokens0 = bucketed.textWork.tokens;
  const full = await embedTexts(bucketed, set.prompts, cache, { label: 'text prompts (length-bucketed)', progressStream });
  const fullSeconds = (performance.now() - t0) / 1000;
  const fullTokens = bucketed.textWork.tokens - tokens0;
  await rm(cache, { recursive: true, force: true });

  // The sample both ways, interleaved class by class (order alternating), so load drift hits both alike.
  const d0 = full.dim;
  const pad = { seconds: 0, tokens: 0, data: new Float32Array(samplePrompts.length * d0) };
  const buck = { seconds: 0, tokens: 0, data: new Float32Array(samplePrompts.length * d0) };
  const time = async (m: OnnxClipModel, into: typeof pad, k: number) => {
    const s0 = performance.now();
    const w0 = m.textWork.tokens;
    const r = await embedTexts(m, samplePrompts.slice(k * T, (k + 1) * T), null, { quiet: true });
    into.seconds += (performance.now() - s0) / 1000;
    into.tokens += m.textWork.tokens - w0;
    into.data.set(r.data, k * T * d0);
  };
  for (let k = 0; k < S; k++) {
    if (k % 2 === 0) {
      await time(padded, pad, k);
      await time(bucketed, buck, k);
    } else {
      await time(bucketed, buck, k);
      await time(padded, pad, k);
    }
  }
  const load1 = loadavg();
  await bucketed.release();
  await padded.release();

  const d = full.dim;
  const cosines = samplePrompts.map((_, i) => cosine(pad.data.subarray(i * d, (i + 1) * d), buck.data.subarray(i * d, (i + 1) * d)));
  const fromFull = (c: number, t: number) => full.data.subarray((c * T + t) * d, (c * T + t + 1) * d);
  const fullVsPad = sampled.flatMap((c, k) => Array.from({ length: T }, (_, t) => cosine(fromFull(c, t), pad.data.subarray((k * T + t) * d, (k * T + t + 1) * d))));
  const rng = new Rng(5);
  const n = 1000;
  const images = Float32Array.from({ length: n * d }, () => rng.next() - 0.5);
  const argmax = (emb: Float32Array) => {
    const logits = zeroShotLogits(images, n, zeroShotClassifier(emb, S, T, d), S, d);
    return Array.from({ length: n }, (_, i) => {
      const row = logits.subarray(i * S, (i + 1) * S);
      return row.indexOf(Math.max(...row));
    });
  };
  const a = argmax(pad.data);
  const b = argmax(buck.data);
  const paddedRate = samplePrompts.length / pad.seconds;
  const fullRate = set.prompts.length / fullSeconds;
  return {
    benchmark: 'text-throughput',
    date: new Date().toISOString(),
    machine: { ...machineInfo(), loadavgBefore: load0, loadavgAfter: load1 },
    model: { export: 'bench/text-graph.ts writeTextExport (ViT-B/32 text transformer shape: 12 layers, width 512, 8 heads, vocab 49408, context 77; causal; random weights, seed 0)', threads },
    prompts: { set: 'OpenAI 80 ImageNet templates × ImageNet-like class names (bench/imagenet-like-prompts.ts)', classes: K, templates: T, total: set.prompts.length, sampleClasses: S, sample: samplePrompts.length },
    bucketed: { prompts: set.prompts.length, seconds: fullSeconds, promptsPerSec: fullRate, meanTokens: fullTokens / set.prompts.length, firstProgressLineSeconds: firstLine, firstProgressCountSeconds: firstCount },
    sample: {
      paddedSeconds: pad.seconds,
      paddedPromptsPerSec: paddedRate,
      paddedTokens: pad.tokens,
      bucketedSeconds: buck.seconds,
      bucketedPromptsPerSec: samplePrompts.length / buck.seconds,
      bucketedTokens: buck.tokens,
      speedup: pad.seconds / buck.seconds,
    },
    /** The whole set's bucketed rate (cache chunks and progress included) over the sample's 77-padded rate. */
    speedup: fullRate / paddedRate,
    agreement: {
      minCosine: Math.min(...cosines),
      minCosineFullRunVsPadded: Math.min(...fullVsPad),
      zeroShotArgmaxAgree: a.filter((x, i) => x === b[i]).length / n,
    },
    target: { speedupAtLeast: 3, minCosineAtLeast: 0.99999, firstProgressWithinSeconds: 2 },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { classes: { type: 'string', default: '1000' }, 'sample-classes': { type: 'string', default: '25' } } });
  const r = await measureTextThroughput({ classes: Number(values.classes), sampleClasses: Number(values['sample-classes']) });
  console.log(JSON.stringify(r, null, 2));
}

if (isEntryPoint(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
