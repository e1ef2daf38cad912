import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, readdirSync, rmSync, cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeTinyExport } from '../helpers/tiny-exports.ts';
import { main } from '../../src/cli/bench.ts';
import { validateResults } from '../../src/results/validate.ts';
import { resolveDataDir } from '../../src/util/paths.ts';
import { runMain } from '../cli/capture.ts';
import type { BenchResults } from '../../src/results/schema.ts';
import { decodeNpy } from '../../src/util/npy.ts';
import * as ort from 'onnxruntime-node';

const haveCifar = existsSync(join(resolveDataDir(), 'cifar10'));

describe('--methods', () => {
  it('an unknown method is one error line listing the valid ones, exit 2, nothing written', async () => {
    const out = join(tmpdir(), `cb-methods-bad-${process.pid}`);
    const r = await runMain(main, ['--dataset', 'cifar10', '--methods', 'linear-probe,coop', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^error: --methods: unknown method "coop"; valid: zero-shot, linear-probe, tip-adapter, .*wise, or all/);
    expect(existsSync(out)).toBe(false);
  });
});

describe.skipIf(!haveCifar)('--methods end to end (tiny export, real CIFAR-10 slice, one corruption)', () => {
  let tmp: string;
  let results: BenchResults;
  let stdout = '';
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cb-methods-'));
    await writeTinyExport(join(tmp, 'model'), { layout: 'transformers.js', imageSize: 32, dim: 16, seed: 3 });
    const r = await runMain(main, ['--model', join(tmp, 'model'), '--dataset', 'cifar10', '--shots', '1,2', '--seeds', '2', '--limit', '200', '--bootstrap', '100', '--methods', 'all', '--shift', 'gaussian_noise:2', '--out', join(tmp, 'out'), '--cache-dir', join(tmp, 'cache'), '--save-heads', join(tmp, 'heads'), '--export-features', join(tmp, 'feats')]);
    stdout = r.out;
    expect(r.code, r.err).toBe(0);
    results = JSON.parse(readFileSync(join(tmp, 'out', 'results.json'), 'utf8'));
  }, 240_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('records every method on the clean and the shifted test set, and validates', () => {
    expect(validateResults(results)).toEqual([]);
    expect(results.schemaVersion).toBe(5);
    const names = results.protocol.methods!;
    expect(names).toContain('tip-adapter');
    expect(names).toContain('wise');
    for (const ds of results.datasets) {
      expect(ds.methods.map((m) => m.method)).toEqual(names);
      for (const m of ds.methods) {
        expect(m.shots.map((s) => s.shots)).toEqual([1, 2]);
        for (const s of m.shots) expect(s.perSeed.map((p) => p.seed)).toEqual([0, 1]);
      }
    }
    expect(results.datasets.map((d) => d.shift)).toEqual(['none', 'gaussian_noise:2']);
  });

  it('the robustness summary has every method at every shot count, from its clean and shifted records', () => {
    const rob = results.robustness![0];
    const added = results.protocol.methods!.filter((m) => m !== 'zero-shot' && m !== 'linear-probe');
    expect(rob.methods.map((m) => `${m.method} ${m.shots ?? ''}`)).toEqual(['zero-shot ', 'linear probe 1', 'linear probe 2', ...added.flatMap((m) => [`${m} 1`, `${m} 2`])]);
    const [clean, shifted] = results.datasets;
    for (const name of added) {
      const r = rob.methods.find((m) => m.method === name && m.shots === 2)!;
      const top1 = (d: typeof clean) => d.methods.find((m) => m.method === name)!.shots[1].top1.mean;
      expect(r.clean).toBe(top1(clean));
      expect(r.perShift[0].top1).toBe(top1(shifted));
      expect(r.perShift[0].drop.mean).toBeCloseTo(top1(shifted) - top1(clean), 12);
    }
    expect(stdout).toMatch(/robustness — cifar10[^]*\ntip-adapter 1-shot\s+\d/);
    expect(readFileSync(join(tmp, 'out', 'report.html'), 'utf8')).toMatch(/lp\+\+ 2-shot/);
  });

  it('uses the probe’s own draws and records the chosen hyperparameters per seed', () => {
    const ds = results.datasets[0];
    const tip = ds.methods.find((m) => m.method === 'tip-adapter')!;
    for (const [i, s] of tip.shots.entries()) {
      const probe = ds.probes[i];
      expect(s.perSeed.map((p) => [p.trainCount, p.valCount])).toEqual(probe.perSeed.map((p) => [p.trainCount, p.valCount]));
      for (const p of s.perSeed) {
        expect(Object.keys(p.hyperparameters).sort()).toEqual(['alpha', 'beta']);
        expect(p.selection).toBe('validation');
      }
    }
    const wise = ds.methods.find((m) => m.method === 'wise')!;
    for (const s of wise.shots) {
      expect(s.curve!.points.map((p) => p.value)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
      // α = 0 is the zero-shot head; α = 1 is the probe of the same seeds.
      expect(s.curve!.points[0].top1).toBeCloseTo(ds.zeroShot.top1!.mean, 9);
      const probe = ds.probes.find((p) => p.shots === s.shots)!;
      expect(s.curve!.points[10].perSeed).toEqual(probe.perSeed.map((p) => p.metrics.top1));
    }
  });

  it('prints each method in the table and writes CSV rows, the few-shot plot and the WiSE curve', () => {
    expect(stdout).toMatch(/tip-adapter\s+1-shot × 2 seeds; α/);
    expect(stdout).toMatch(/wise\s+2-shot × 2 seeds; α/);
    const csv = readFileSync(join(tmp, 'out', 'results-per-seed.csv'), 'utf8');
    expect(csv).toMatch(/,tip-adapter,1,0,.*,validation,alpha=[0-9.e+-]+;beta=/);
    const plots = readdirSync(join(tmp, 'out', 'plots'));
    expect(plots).toContain('cifar10-few-shot.png');
    expect(plots).toContain('cifar10-wise-curve.png');
    expect(readFileSync(join(tmp, 'out', 'report.html'), 'utf8')).toMatch(/tip-adapter/);
  });
});

describe.skipIf(!haveCifar)('--save-heads and --export-features with --methods', () => {
  let tmp: string;
  let results: BenchResults;
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cb-heads-'));
    await writeTinyExport(join(tmp, 'model'), { layout: 'transformers.js', imageSize: 32, dim: 16, seed: 3 });
    const r = await runMain(main, ['--model', join(tmp, 'model'), '--dataset', 'cifar10', '--shots', '2', '--seeds', '2', '--limit', '200', '--bootstrap', '50', '--methods', 'wise,zs-anchored-probe,tip-adapter', '--shift', 'quickdraw', '--out', join(tmp, 'out'), '--cache-dir', join(tmp, 'cache'), '--save-heads', join(tmp, 'heads'), '--export-features', join(tmp, 'feats')]);
    expect(r.code, r.err).toBe(0);
    results = JSON.parse(readFileSync(join(tmp, 'out', 'results.json'), 'utf8'));
  }, 240_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** top-1 of a saved ONNX head run by plain onnxruntime on the exported (raw) test features. */
  async function onnxTop1(file: string): Promise<number> {
    const X = decodeNpy(readFileSync(join(tmp, 'feats', 'cifar10', 'test_features.npy')), 'x');
    const y = decodeNpy(readFileSync(join(tmp, 'feats', 'cifar10', 'test_labels.npy')), 'y');
    const [n, d] = X.shape;
    const session = await ort.InferenceSession.create(join(tmp, 'heads', 'cifar10', file));
    const out = await session.run({ image_embeds: new ort.Tensor('float32', Float32Array.from(X.data as Float32Array), [n, d]) });
    const logits = out.logits.data as Float32Array;
    const K = logits.length / n;
    let ok = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < K; c++) if (logits[i * K + c] > logits[i * K + best]) best = c;
      if (best === Number(y.data[i])) ok++;
    }
    return ok / n;
  }

  it('writes a manifest naming every linear head: zero-shot, each probe, zs-anchored, each WiSE α', () => {
    const m = JSON.parse(readFileSync(join(tmp, 'heads', 'cifar10', 'manifest.json'), 'utf8'));
    expect(m.schema).toBe('clip-bench/heads');
    expect(m.classes).toEqual(results.datasets[0].classes);
    const methods = m.heads.map((h: { method: string }) => h.method);
    expect(methods.filter((x: string) => x === 'zero-shot')).toHaveLength(1);
    expect(methods.filter((x: string) => x === 'linear-probe')).toHaveLength(2);
    expect(methods.filter((x: string) => x === 'zs-anchored-probe')).toHaveLength(2);
    expect(methods.filter((x: string) => x.startsWith('wise@alpha='))).toHaveLength(22);
    expect(methods).not.toContain('tip-adapter');
  });

  it('a saved head scored by plain onnxruntime gives the top-1 the harness recorded', async () => {
    const ds = results.datasets[0];
    expect(await onnxTop1('zero-shot.onnx')).toBeCloseTo(ds.zeroShot.metrics!.top1, 9);
    expect(await onnxTop1('linear-probe-2shot-seed1.onnx')).toBeCloseTo(ds.probes[0].perSeed[1].metrics.top1, 9);
    const zsa = ds.methods.find((x) => x.method === 'zs-anchored-probe')!.shots[0].perSeed[0];
    expect(await onnxTop1('zs-anchored-probe-2shot-seed0.onnx')).toBeCloseTo(zsa.metrics.top1, 9);
    const w = ds.methods.find((x) => x.method === 'wise')!.shots[0];
    expect(await onnxTop1('wise_alpha=0.3-2shot-seed0.onnx')).toBeCloseTo(w.curve!.points[3].perSeed[0], 9);
  });

  it('--export-features writes the zero-shot head, the logit scale and each method’s hyperparameters per (shots, seed)', () => {
    const dir = join(tmp, 'feats', 'cifar10');
    const W = decodeNpy(readFileSync(join(dir, 'zeroshot_head.npy')), 'w');
    expect(W.shape).toEqual([10, 16]);
    expect(JSON.parse(readFileSync(join(dir, 'zeroshot.json'), 'utf8')).logitScale).toBe(results.model.logitScale);
    const draws = JSON.parse(readFileSync(join(dir, 'draws.json'), 'utf8')).draws;
    const tip = results.datasets[0].methods.find((x) => x.method === 'tip-adapter')!.shots[0].perSeed[1];
    expect(draws[1].methods['tip-adapter']).toEqual({ ...tip.hyperparameters, selection: 'validation' });
  });

  it('--load-heads scores the saved heads on the same test rows without refitting: the recorded top-1 again', async () => {
    const r = await runMain(main, ['--model', join(tmp, 'model'), '--load-heads', join(tmp, 'heads', 'cifar10'), '--dataset', 'cifar10', '--limit', '200', '--bootstrap', '50', '--cache-dir', join(tmp, 'cache'), '--out', join(tmp, 'loaded')]);
    expect(r.code, r.err).toBe(0);
    const scores = JSON.parse(readFileSync(join(tmp, 'loaded', 'head-scores.json'), 'utf8')).scores as { method: string; seed: number | null; shift: string; top1: { mean: number } }[];
    const ds = results.datasets[0];
    expect(scores.find((x) => x.method === 'zero-shot')!.top1.mean).toBeCloseTo(ds.zeroShot.top1!.mean, 9);
    expect(scores.find((x) => x.method === 'linear-probe' && x.seed === 1)!.top1.mean).toBeCloseTo(ds.probes[0].perSeed[1].metrics.top1, 9);
    expect(readFileSync(join(tmp, 'loaded', 'head-scores.csv'), 'utf8')).toMatch(/^dataset,shift,method,shots,seed/);
  });

  it('--load-heads scores a natural --shift as bench does: both variants, the recorded top-1 of each', async () => {
    const r = await runMain(main, ['--model', join(tmp, 'model'), '--load-heads', join(tmp, 'heads', 'cifar10'), '--dataset', 'cifar10', '--shift', 'quickdraw', '--limit', '200', '--bootstrap', '50', '--cache-dir', join(tmp, 'cache'), '--out', join(tmp, 'loaded-natural')]);
    expect(r.code, r.err).toBe(0);
    const scores = JSON.parse(readFileSync(join(tmp, 'loaded-natural', 'head-scores.json'), 'utf8')).scores as { method: string; seed: number | null; shift: string; top1: { mean: number } }[];
    const shifted = results.datasets.filter((d) => d.shift !== 'none');
    expect(shifted.length).toBe(2);
    expect([...new Set(scores.map((x) => x.shift))]).toEqual(['none', ...shifted.map((d) => d.shift)]);
    for (const d of shifted) {
      const at = (method: string, seed: number | null) => scores.find((x) => x.shift === d.shift && x.method === method && x.seed === seed)!.top1.mean;
      expect(at('zero-shot', null)).toBeCloseTo(d.zeroShot.top1!.mean, 9);
      expect(at('linear-probe', 1)).toBeCloseTo(d.probes[0].perSeed[1].metrics.top1, 9);
      const zsa = d.methods.find((x) => x.method === 'zs-anchored-probe')!.shots[0].perSeed[0];
      expect(at('zs-anchored-probe', 0)).toBeCloseTo(zsa.metrics.top1, 9);
    }
  });

  it('--load-heads with a different class list or another model: one error line, exit 2, nothing written', async () => {
    const bad = join(tmp, 'heads-bad');
    cpSync(join(tmp, 'heads', 'cifar10'), bad, { recursive: true });
    const m = JSON.parse(readFileSync(join(bad, 'manifest.json'), 'utf8'));
    writeFileSync(join(bad, 'manifest.json'), JSON.stringify({ ...m, classes: [...m.classes.slice(1), m.classes[0]] }));
    const r = await runMain(main, ['--model', join(tmp, 'model'), '--load-heads', bad, '--dataset', 'cifar10', '--limit', '50', '--cache-dir', join(tmp, 'cache'), '--out', join(tmp, 'x1')]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^error: --load-heads .*heads-bad: the heads were fitted on cifar10's class list and cifar10's differs \(class 0 is "automobile" in the heads but "airplane" in cifar10\)/);
    expect(existsSync(join(tmp, 'x1'))).toBe(false);
    writeFileSync(join(bad, 'manifest.json'), JSON.stringify({ ...m, model: { ...m.model, files: m.model.files.map((f: { role: string }) => ({ ...f, sha256: '0'.repeat(64) })) } }));
    const r2 = await runMain(main, ['--model', join(tmp, 'model'), '--load-heads', bad, '--dataset', 'cifar10', '--limit', '50', '--cache-dir', join(tmp, 'cache'), '--out', join(tmp, 'x2')]);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/error: --load-heads .*: the heads were fitted on .* whose files differ/);
    expect(existsSync(join(tmp, 'x2'))).toBe(false);
  });
});
