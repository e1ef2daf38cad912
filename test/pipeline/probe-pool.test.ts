import { describe, expect, it } from 'vitest';
import { probeWorkerCount, runProbeTasks, RunInterrupted, type ProbeJob } from '../../src/pipeline/probe-pool.ts';
import { DEFAULT_PROBE_SETTINGS, planProbeDraws, drawnIndices } from '../../src/evaluation/linear-probe.ts';
import { Rng } from '../../src/util/rng.ts';

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
