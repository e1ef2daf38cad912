/**
 * int8 through the harness, side by side: the ViT-B/32-shaped random export (bench/vit-graph.ts) in fp32
 * and converted by `models convert --to int8-dynamic`, each loaded by loadModel and fed the same ready-made
 * images through ClipModel.encodeImages (the harness's batching: 32 images per run):
 *
 *   fp32         batched.
 *   per-row-dq   the int8 graph rewritten to quantise each image on its own, batched (the default).
 *   one-per-run  the int8 graph one image per run (--int8-encode one-per-run; the mode before the rewrite).
 *
 * Target (issue 18): per-row-dq ≥ 1.8× fp32. The cores are shared, so each round times the three back to
 * back (order rotating between rounds) and the ratios are medians of per-round ratios. The per-row and
 * one-per-run embeddings are also compared bit for bit, and each int8 mode's loadModel time recorded (the
 * rewrite and its probe check happen at load).
 *
 *   npx tsx bench/int8-batching.ts [--n 64] [--rounds 3]   → bench/results/int8-batching.json
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isEntryPoint } from '../src/cli/toolkit.ts';
import type { ClipModel } from '../src/model/clip-model.ts';
import { convertExport } from '../src/model/convert.ts';
import { loadModel } from '../src/model/load.ts';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import { Rng } from '../src/util/rng.ts';
import { VIT_B32_DIR, machineInfo, median, writeVitExport } from './vit-graph.ts';

export const INT8_TARGET = 1.8;
const VARIANTS = ['fp32', 'per-row-dq', 'one-per-run'] as const;
type VariantId = (typeof VARIANTS)[number];

export interface Int8BatchingOptions {
  /** Images per timed encode. */
  n?: number;
  rounds?: number;
  log?: (line: string) => void;
}

/** The int8 conversion of the ViT-B/32-shaped export, rebuilt when the fp32 export was. */
export async function int8Export(fp32Dir: string, fp32Rebuilt: boolean): Promise<string> {
  const dir = `${VIT_B32_DIR}-int8`;
  if (existsSync(join(dir, 'model.json')) && !fp32Rebuilt) return dir;
  await rm(dir, { recursive: true, force: true });
  await convertExport(fp32Dir, dir, { to: 'int8-dynamic', perChannel: false });
  return dir;
}

const sameBits = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

export async function measureInt8Batching(opts: Int8BatchingOptions = {}) {
  const N = opts.n ?? 64;
  const ROUNDS = opts.rounds ?? 3;
  const log = opts.log ?? ((line: string) => console.error(line));
  const vit = await writeVitExport(VIT_B32_DIR);
  const int8Dir = await int8Export(vit.dir, !vit.reused);

  const models = new Map<VariantId, ClipModel>();
  const loadSeconds: Partial<Record<VariantId, number>> = {};
  for (const id of VARIANTS) {
    const t0 = performance.now();
    const m =
      id === 'fp32' ? await loadModel(vit.dir) : await loadModel(int8Dir, { variant: 'quantized', int8Encode: id === 'one-per-run' ? 'one-per-run' : 'auto' });
    loadSeconds[id] = (performance.now() - t0) / 1000;
    models.set(id, m);
    log(`loaded ${id} in ${loadSeconds[id]!.toFixed(2)} s (encode mode ${m.imageEncodeMode}${m.imageEncodeReason ? `: ${m.imageEncodeReason}` : ''})`);
  }
  try {
    const perRow = models.get('per-row-dq')!;
    if (perRow.imageEncodeMode !== 'per-row-dq') throw new Error(`the int8 export loaded as ${perRow.imageEncodeMode}: ${perRow.imageEncodeReason}`);

    // Seeded images of different ranges (normalised-pixel scale), as real batches have.
    const per = 3 * 224 * 224;
    const rng = new Rng(1);
    const images = new Float32Array(N * per);
    for (let i = 0; i < N; i++) {
      const gain = 0.5 + 1.5 * rng.next();
      for (let j = 0; j < per; j++) images[i * per + j] = rng.normal() * gain;
    }
    const embeddings = new Map<VariantId, Float32Array>();
    // Warm-up (first runs pay for allocation) and the embeddings compared below.
    for (const id of VARIANTS) embeddings.set(id, await models.get(id)!.encodeImages(images, N));
    const bitIdentical = sameBits(embeddings.get('per-row-dq')!, embeddings.get('one-per-run')!);

    const load0 = loadavg();
    const rounds: Record<VariantId, number>[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + r) % VARIANTS.length]);
      const round = {} as Record<VariantId, number>;
      for (const id of order) {
        const t0 = performance.now();
        await models.get(id)!.encodeImages(images, N);
        round[id] = N / ((performance.now() - t0) / 1000);
      }
      rounds.push(round);
      log(`round ${r + 1}/${ROUNDS}: ${VARIANTS.map((id) => `${id} ${round[id].toFixed(1)} img/s`).join(', ')}`);
    }
    const load1 = loadavg();
    const ratio = (a: VariantId, b: VariantId) => median(rounds.map((x) => x[a] / x[b]));
    const ratios = { perRowVsFp32: ratio('per-row-dq', 'fp32'), onePerRunVsFp32: ratio('one-per-run', 'fp32'), perRowVsOnePerRun: ratio('per-row-dq', 'one-per-run') };
    return {
      benchmark: 'int8-batching',
      date: new Date().toISOString(),
      machine: { ...machineInfo(), loadavgBefore: load0, loadavgAfter: load1 },
      model: { export: 'bench/vit-graph.ts writeVitExport (ViT-B/32 shape, random weights), int8 by models convert --to int8-dynamic', params: vit.params },
      images: N,
      rounds: ROUNDS,
      batchSize: 32,
      threads: machineInfo().cores as number,
      imgPerSec: Object.fromEntries(VARIANTS.map((id) => [id, median(rounds.map((x) => x[id]))])) as Record<VariantId, number>,
      ratios,
      loadSeconds: loadSeconds as Record<VariantId, number>,
      bitIdentical,
      target: { perRowVsFp32AtLeast: INT8_TARGET, met: ratios.perRowVsFp32 >= INT8_TARGET && bitIdentical },
      perRound: rounds,
    };
  } finally {
    for (const m of models.values()) await m.release();
  }
}

export type Int8BatchingResult = Awaited<ReturnType<typeof measureInt8Batching>>;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { n: { type: 'string', default: '64' }, rounds: { type: 'string', default: '3' } } });
  const out = await measureInt8Batching({ n: Number(values.n), rounds: Number(values.rounds) });
  const dir = join(PROJECT_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'int8-batching.json'), `${JSON.stringify(out, null, 1)}\n`);
  const r = out.ratios;
  console.log(
    `img/s: ${VARIANTS.map((id) => `${id} ${out.imgPerSec[id].toFixed(1)}`).join(', ')}\n` +
      `per-row-dq / fp32 ${r.perRowVsFp32.toFixed(2)}× (target ≥ ${INT8_TARGET}), one-per-run / fp32 ${r.onePerRunVsFp32.toFixed(2)}×, ` +
      `per-row-dq / one-per-run ${r.perRowVsOnePerRun.toFixed(2)}×; bit-identical ${out.bitIdentical}; ` +
      `load ${out.loadSeconds['per-row-dq'].toFixed(2)} s vs ${out.loadSeconds['one-per-run'].toFixed(2)} s; load average ${out.machine.loadavgBefore.map((x) => x.toFixed(1)).join(' ')}`,
  );
}

if (isEntryPoint(import.meta.url)) await main();
