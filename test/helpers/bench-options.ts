import { DEFAULT_PROBE_SETTINGS, type BenchOptions } from '../../src/pipeline/bench.ts';

/** runBench options for in-process tests: small, quiet, single-threaded, no cache; `over` replaces any field. */
export function testBenchOptions(over: Partial<BenchOptions>): BenchOptions {
  return {
    modelRef: 'tiny',
    datasets: [],
    shots: [2],
    seeds: [0, 1],
    limit: null,
    templatesFile: null,
    settings: DEFAULT_PROBE_SETTINGS,
    threads: 1,
    workers: 0,
    probeWorkers: 0,
    batchSize: 16,
    cacheRoot: null,
    exportFeaturesDir: null,
    dataDir: null,
    source: null,
    skipBad: false,
    bootstrapResamples: 100,
    zeroShot: true,
    argv: ['test'],
    quiet: true,
    log: () => {},
    ...over,
  };
}
