import { describe, expect, it } from 'vitest';
import { probeWorkerCount, runProbeTasks, RunInterrupted, type ProbeTaskJob as ProbeJob } from '../../src/pipeline/probe-pool.ts';
import { DEFAULT_PROBE_SETTINGS, planProbeDraws, drawnIndices } from '../../src/evaluation/linear-probe.ts';
import { Rng } from '../../src/util/rng.ts';
import { METHODS } from '../../src/evaluation/methods/registry.ts';
import { scoreHead } from '../../src/evaluation/methods/head.ts';
import { drawRows } from '../../src/evaluation/linear-probe.ts';
import { drawUnits, unitCost } from '../../src/pipeline/probe-task.ts';
import { probeFactory } from '../../src/evaluation/probe/index.ts';
import { l2NormalizeRows } from '../../src/evaluation/normalize.ts';

function job(nPool: number, nTest: number, d: number, K: number): ProbeJob {
  const rng = new Rng(11);
  const poolLabels = Int32Array.from({ length: nPool }, (_, i) => i % K);
  const testLabels = Int32Array.from({ length: nTest }, (_, i) => i % K);
  const feats = (labels: Int32Array) => Float32Array.from({ length: labels.length * d }, (_, j) => rng.next() + (j % d === labels[Math.floor(j / d)] ? 0.3 : 0));
  return { poolLabels, poolIndex: Int32Array.from(poolLabels.keys()), poolFeatures: feats(poolLabels), testFeats: feats(testLabels), testLabels, numClasses: K, dim: d, settings: DEFAULT_PROBE_SETTINGS };
}

describe('probe fits on worker threads', () => {
  it('a stop request ends the grid promptly with RunInterrupted (exit 130), without waiting for the remaining fits', async () => {
    const j = job(2000, 200, 64, 10);
    const draws = planProbeDraws(j.poolLabels, 10, ['all'], [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(drawnIndices(draws).length).toBe(2000);
    const tasks = [...draws].flatMap(([shots, list]) => list.map(({ seed, sample }) => ({ shots, seed, sample })));
    const controller = new AbortController();
    let done = 0;
    let progressed = 0;
    const t0 = performance.now();
    const run = runProbeTasks(j, tasks, {
      workers: 1,
      signal: controller.signal,
      onProgress: () => {
        if (++progressed === 1) controller.abort();
      },
      onDone: () => done++,
    });
    await expect(run).rejects.toBeInstanceOf(RunInterrupted);
    await expect(run).rejects.toMatchObject({ exitCode: 130 });
    expect(done).toBeLessThan(tasks.length);
    expect(performance.now() - t0).toBeLessThan(20_000);
  });

  it('reports progress from inside a fit (C and L-BFGS iteration)', async () => {
    const j = job(400, 50, 16, 4);
    const draws = planProbeDraws(j.poolLabels, 4, [8], [0]);
    const tasks = [...draws].flatMap(([shots, list]) => list.map(({ seed, sample }) => ({ shots, seed, sample })));
    const seen: { phase: string; C: number; iteration: number }[] = [];
    const [r] = await runProbeTasks(j, tasks, { workers: 0, onProgress: (_, p) => seen.push({ ...p }) });
    expect(seen.some((p) => p.phase === 'sweep' && p.iteration > 0)).toBe(true);
    expect(seen[seen.length - 1]).toMatchObject({ phase: 'refit', C: r.C });
  });
});

describe('few-shot methods fitted beside their probe', () => {
  const K = 4;
  const d = 16;
  const base = job(400, 60, d, K);
  const rng = new Rng(5);
  const W = l2NormalizeRows(Float32Array.from({ length: K * d }, (_, j) => rng.next() - 0.5 + (j % d === Math.floor(j / d) ? 1 : 0)), K, d);
  const names = METHODS.filter((m) => m.impl !== 'baseline').map((m) => m.name);
  const j: ProbeJob = { ...base, methods: { names, zeroShot: { W, scale: 100 } } };
  const draws = planProbeDraws(j.poolLabels, K, [4], [0, 1, 2]);
  const tasks = [...draws].flatMap(([shots, list]) => list.map(({ seed, sample }) => ({ shots, seed, sample })));

  it('on 2 workers and inline: every method, the same hyperparameters and the same test logits', async () => {
    const inline = await runProbeTasks(j, tasks, { workers: 0 });
    const pooled = await runProbeTasks(j, tasks, { workers: 2 });
    const X = l2NormalizeRows(j.testFeats, j.testLabels.length, d);
    for (let t = 0; t < tasks.length; t++) {
      expect(inline[t].methods.map((m) => m.name)).toEqual(names);
      expect(pooled[t].methods.map((m) => m.name)).toEqual(names);
      for (let m = 0; m < names.length; m++) {
        const a = inline[t].methods[m].fit;
        const b = pooled[t].methods[m].fit;
        expect(b.hyperparameters, names[m]).toEqual(a.hyperparameters);
        expect(Array.from(scoreHead(b.head, X, j.testLabels.length)), names[m]).toEqual(Array.from(scoreHead(a.head, X, j.testLabels.length)));
        expect(b.curve?.points.length).toBe(a.curve?.points.length);
      }
    }
  }, 120_000);

  it('progress names each method as it starts; WiSE, which needs the probe, after the refit', async () => {
    const seen: { phase: string; method?: string }[] = [];
    await runProbeTasks(j, tasks.slice(0, 1), { workers: 0, onProgress: (_, p) => seen.push({ phase: p.phase, method: p.method }) });
    const methods = seen.filter((p) => p.phase === 'methods');
    expect(methods.map((p) => p.method).sort()).toEqual([...names].sort());
    expect(seen.findIndex((p) => p.method === 'wise')).toBeGreaterThan(seen.findIndex((p) => p.phase === 'refit'));
  });

  it('on workers a draw is split into units, longest first: the probes, then the methods that do not need them, by cost', () => {
    const units = drawUnits(j);
    expect(units[0]).toEqual({});
    expect(units.map((u) => u.method).filter(Boolean)).toEqual(names.filter((n) => n !== 'wise'));
    const order = [...units].sort((a, b) => unitCost(b) - unitCost(a)).map((u) => u.method ?? 'probe');
    expect(order.slice(0, 2)).toEqual(['probe', 'zs-anchored-probe']);
    expect(order[order.length - 1]).toBe('tip-adapter');
  });

  it('the search hands over its train-only fit at the chosen C: the fit WiSE would otherwise make again', async () => {
    const [r] = await runProbeTasks({ ...j, methods: undefined }, tasks.slice(0, 1), { workers: 0 });
    expect(r.methods).toEqual([]);
    const { train } = drawRows(j, tasks[0].sample);
    const again = probeFactory(j.settings.solver, { maxIter: j.settings.maxIter })(r.C).fit(train.X, train.y, train.n, d, K).weights!();
    expect(Array.from(r.trainWeights!.coef)).toEqual(Array.from(again.coef));
    expect(Array.from(r.trainWeights!.intercept)).toEqual(Array.from(again.intercept));
  });
});

describe('probe worker count', () => {
  it.each([
    [3, 2, 3, '3 seeds on 2 cores: one worker each (1.5 rounds, not 2)'],
    [4, 2, 2, 'an even split keeps one worker per core'],
    [5, 2, 2, 'two or more tasks per core: one worker per core'],
    [1, 2, 1, 'never more workers than tasks'],
    [7, 4, 7, '7 tasks on 4 cores: one each'],
    [3, 0, 0, '0 keeps the fits on the calling thread'],
  ])('%i tasks, %i cores → %i workers (%s)', (tasks, cores, expected) => {
    expect(probeWorkerCount(tasks, cores)).toBe(expected);
  });
});
