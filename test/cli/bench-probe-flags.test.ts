import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../src/cli/bench-args.ts';
import { main } from '../../src/cli/bench.ts';
import { runMain } from './capture.ts';

describe('bench --search and --probe-precision (issue 18)', () => {
  it('defaults to the CoOp search with precision auto; mixed and float64 can be asked for', () => {
    const a = parseBenchArgs(['--dataset', 'cifar10']);
    expect([a.search, a.probePrecision]).toEqual(['coop', 'auto']);
    expect(parseBenchArgs(['--dataset', 'cifar10', '--probe-precision', 'float64']).probePrecision).toBe('float64');
    const b = parseBenchArgs(['--dataset', 'cifar10', '--search', 'grid', '--probe-precision', 'mixed']);
    expect([b.search, b.probePrecision]).toEqual(['grid', 'mixed']);
  });

  it.each([
    [['--search', 'bisect'], /^error: --search must be coop or grid, got "bisect"\n$/],
    [['--probe-precision', 'float16'], /^error: --probe-precision must be auto, mixed or float64, got "float16"\n$/],
    [['--search', 'grid', '--solver', 'ml-logistic-regression'], /^error: --search chooses C for --solver lbfgs; ml-logistic-regression ignores C, so drop --search\n$/],
    [['--probe-precision', 'float64', '--solver', 'ml-logistic-regression'], /^error: --probe-precision applies to --solver lbfgs only/],
  ])('%j: one error line, exit 2, before any dataset or model is opened', async (flags, message) => {
    // A dataset and a model that do not exist: reaching either would fail with a different message.
    const r = await runMain(main, ['--dataset', '/nonexistent/dataset', '--model', '/nonexistent/model', ...flags]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });
});
