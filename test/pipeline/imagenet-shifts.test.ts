import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { writeTinyExport } from '../helpers/tiny-exports.ts';
import { openModel } from '../../src/model/resolve.ts';
import type { ClipModel } from '../../src/model/clip-model.ts';
import { prepareDatasets, runBench } from '../../src/pipeline/bench.ts';
import { testBenchOptions } from '../helpers/bench-options.ts';
import { validateResults } from '../../src/results/validate.ts';
import { IMAGENET_R_INDICES, IMAGENET_R_WNIDS } from '../../src/datasets/imagenet-subsets.ts';
import { IMAGENET_WNIDS } from '../../src/datasets/imagenet-wnids.ts';
import { imagenetShiftPlan } from '../../src/datasets/imagenet-natural-shifts.ts';
import { UserError } from '../../src/util/errors.ts';
import { main } from '../../src/cli/bench.ts';
import { runMain } from '../cli/capture.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

async function png(path: string, seed: number, w = 12, h = 12) {
  const px = Buffer.alloc(w * h * 3);
  for (let p = 0; p < px.length; p++) px[p] = (p * 37 + seed * 91) % 251;
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path);
}

describe('ImageNet and its five natural shifts through runBench', () => {
  let tmp: string;
  let model: ClipModel;
  const at = (...p: string[]) => join(tmp, ...p);
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cb-imagenet-shifts-'));
    // ImageNet-1k: the flat validation layout (6 images) with the fixture devkit.
    mkdirSync(at('in', 'val'), { recursive: true });
    cpSync(join(FIXTURES, 'imagenet', 'ILSVRC2012_devkit_t12'), at('in', 'ILSVRC2012_devkit_t12'), { recursive: true });
    writeFileSync(at('in', 'ILSVRC2012_devkit_t12', 'data', 'ILSVRC2012_validation_ground_truth.txt'), '1\n2\n3\n1\n2\n3\n');
    for (let n = 1; n <= 6; n++) await png(at('in', 'val', `ILSVRC2012_val_${String(n).padStart(8, '0')}.JPEG`), n);
    const dirs: Record<string, string[]> = {
      v2: ['0', '1', '278'],
      sketch: ['n01440764', 'n02119789'],
      r: IMAGENET_R_WNIDS.slice(0, 3),
      a: ['n01498041', 'n01531178'],
      'on/objectnet-1.0/images': ['alarm_clock', 'banana', 'air_freshener'],
    };
    let seed = 10;
    for (const [root, folders] of Object.entries(dirs))
      for (const f of folders) {
        mkdirSync(at(root, f), { recursive: true });
        for (let i = 0; i < 2; i++) await png(at(root, f, `${i}.png`), seed++);
      }
    cpSync(join(FIXTURES, 'objectnet', 'mappings'), at('on', 'objectnet-1.0', 'mappings'), { recursive: true });
    writeFileSync(at('one-template.txt'), 'a photo of a {}.\n');
    await writeTinyExport(at('model'), { layout: 'transformers.js', imageSize: 32, dim: 16, seed: 5 });
    model = await openModel(at('model'), { threads: 1 });
  }, 120_000);
  afterAll(async () => {
    await model.release();
    rmSync(tmp, { recursive: true, force: true });
  });

  const shift = () => [`imagenetv2:${at('v2')}`, `imagenet-sketch:${at('sketch')}`, `imagenet-r:${at('r')}`, `imagenet-a:${at('a')}`, `objectnet:${at('on')}`].join(',');

  it('records each shift, scores R/A over their 200 classes and ObjectNet over its 113 groups, and adds the Fig. 13 robustness record', async () => {
    const r = await runBench(testBenchOptions({ datasets: [`imagenet:${at('in')}`], shots: [], templatesFile: at('one-template.txt'), shift: shift() }), model);
    expect(validateResults(r)).toEqual([]);
    expect(r.datasets.map((d) => d.shift)).toEqual(['none', 'imagenetv2', 'imagenet-sketch', 'imagenet-r (200 classes)', 'imagenet-a (200 classes)', 'objectnet (113 classes)']);
    const byShift = new Map(r.datasets.map((d) => [d.shift, d]));
    expect(byShift.get('objectnet (113 classes)')!.splits.test!.used).toBe(4); // air_freshener is not one of the 113
    const K = 1000;
    const predicted = (shiftLabel: string) => {
      const c = byShift.get(shiftLabel)!.zeroShot.metrics!.confusion;
      const cols = new Set<number>();
      for (let t = 0; t < K; t++) for (let p = 0; p < K; p++) if (c[t * K + p] > 0) cols.add(p);
      return [...cols];
    };
    const rSet = new Set(IMAGENET_R_INDICES);
    expect(predicted('imagenet-r (200 classes)').every((p) => rSet.has(p))).toBe(true);
    const plan = await imagenetShiftPlan('objectnet', at('on'));
    const firsts = new Set(plan.restriction!.groups!.map((g) => g[0]));
    expect(predicted('objectnet (113 classes)').every((p) => firsts.has(p))).toBe(true);
    // True labels: alarm_clock → analog clock (409), banana → 954.
    const on = byShift.get('objectnet (113 classes)')!.zeroShot.metrics!.confusion;
    const rowsWithLabels = [409, 954, IMAGENET_WNIDS.indexOf('n07753592')].map((t) => on.slice(t * K, (t + 1) * K).reduce((a, b) => a + b, 0));
    expect(rowsWithLabels).toEqual([2, 2, 2]);
    const fig13 = r.robustness!.find((x) => x.suite === 'ImageNet natural distribution shifts (CLIP Fig. 13)')!;
    expect(fig13.shifts).toEqual(['imagenetv2', 'imagenet-sketch', 'imagenet-r (200 classes)', 'imagenet-a (200 classes)', 'objectnet (113 classes)']);
    const zs = fig13.methods.find((m) => m.method === 'zero-shot')!;
    const shifted = r.datasets.slice(1).map((d) => d.zeroShot.top1!.mean);
    expect(zs.meanShifted).toBeCloseTo(shifted.reduce((a, b) => a + b, 0) / 5, 12);
  }, 240_000);

  it('probes and methods fitted on ImageNet are scored on the shifts through the same restriction', async () => {
    // train/<wnid>/ for all 1,000 synsets, one image each, beside the flat val/.
    for (const [i, w] of IMAGENET_WNIDS.entries()) {
      mkdirSync(at('in', 'train', w), { recursive: true });
      await png(at('in', 'train', w, '0.png'), 1000 + i, 4, 4);
    }
    const r = await runBench(testBenchOptions({ datasets: [`imagenet:${at('in')}`], shots: [1], seeds: [0], methods: ['zero-shot', 'linear-probe', 'tip-adapter'], templatesFile: at('one-template.txt'), shift: `imagenet-r:${at('r')},objectnet:${at('on')}` }), model);
    rmSync(at('in', 'train'), { recursive: true, force: true });
    expect(validateResults(r)).toEqual([]);
    const K = 1000;
    const cols = (c: number[]) => {
      const out = new Set<number>();
      for (let t = 0; t < K; t++) for (let p = 0; p < K; p++) if (c[t * K + p] > 0) out.add(p);
      return [...out];
    };
    const rSet = new Set(IMAGENET_R_INDICES);
    const plan = await imagenetShiftPlan('objectnet', at('on'));
    const firsts = new Set(plan.restriction!.groups!.map((g) => g[0]));
    const [, rRec, onRec] = r.datasets;
    expect(rRec.probes[0].perSeed).toHaveLength(1);
    expect(rRec.methods.length).toBeGreaterThan(0);
    for (const [rec, allowed] of [[rRec, rSet], [onRec, firsts]] as const) {
      const confusions = [...rec.probes.flatMap((p) => p.perSeed.map((s) => s.metrics.confusion)), ...rec.methods.flatMap((m) => m.shots.flatMap((p) => p.perSeed.map((s) => s.metrics.confusion)))];
      for (const c of confusions) expect(cols(c).every((p) => allowed.has(p))).toBe(true);
    }
  }, 300_000);

  it('refuses an ImageNet shift on a dataset that is not ImageNet-1k', async () => {
    mkdirSync(at('other', 'x'), { recursive: true });
    await png(at('other', 'x', '0.png'), 1);
    const err = await prepareDatasets(testBenchOptions({ datasets: [at('other')], shots: [], shift: `imagenet-r:${at('r')}` })).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/^--shift imagenet-r:.*: imagenet-r is a shift of ImageNet-1k; give --dataset imagenet:<dir>/);
  });

  it('bench exits 2 with one error line naming the file when ObjectNet lacks a mapping file', async () => {
    const map = at('on', 'objectnet-1.0', 'mappings', 'pytorch_to_imagenet_2012_id.json');
    rmSync(map);
    const r = await runMain(main, ['--dataset', `imagenet:${at('in')}`, '--model', at('model'), '--shots', '1', '--shift', `objectnet:${at('on')}`, '--out', at('out-bad')]);
    cpSync(join(FIXTURES, 'objectnet', 'mappings', 'pytorch_to_imagenet_2012_id.json'), map);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toEqual([`error: ${map}: no such file; ObjectNet's mappings/ folder (objectnet-1.0/mappings) holds it`]);
  });
});
