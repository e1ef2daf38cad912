import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, parseSections } from '../../bench/perf.ts';
import { linearSlope, logLogSlope, renderPerfMarkdown, SECTION_IDS, slopesOf, type PerfRun } from '../../bench/perf-report.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import { runMain } from '../cli/capture.ts';

// A real `npm run perf -- --quick` record (2 shared cores), trimmed of fields the table does not read.
const fixture = (): PerfRun => JSON.parse(readFileSync(join(PROJECT_ROOT, 'test/fixtures/perf/perf-quick-run.json'), 'utf8'));

/** The markdown table's rows as cells (header and separator dropped). */
const tableRows = (md: string) =>
  md
    .split('\n')
    .filter((l) => l.startsWith('| '))
    .slice(2)
    .map((l) => l.slice(2, -2).split(' | '));

describe('npm run perf: flags and help', () => {
  it('--help lists every flag and section and runs nothing', async () => {
    const r = await runMain(main, ['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: npm run perf -- \[options\]/);
    for (const flag of ['--quick', '--out <dir>', '--only <ids>', '--python <path>']) expect(r.out).toContain(flag);
    expect(r.out).toContain(SECTION_IDS.join(', '));
    expect(r.err).toBe('');
  });

  it('refuses an unknown flag with one error line and exit 2', async () => {
    const r = await runMain(main, ['--fast']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("error: Unknown option '--fast' (see: npm run perf -- --help)\n");
  });

  it('refuses an unknown --only section before measuring anything, naming the sections', async () => {
    const r = await runMain(main, ['--only', 'probe,gpu']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: --only: unknown section "gpu"; sections: ${SECTION_IDS.join(', ')} (see: npm run perf -- --help)\n`);
  });

  it('refuses an --out that is a file, and leaves it as it was', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'perf-out-')), 'taken');
    writeFileSync(file, 'keep');
    const r = await runMain(main, ['--out', file, '--only', 'preprocess']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: --out .*taken.* is a file, not a directory/);
    expect(readFileSync(file, 'utf8')).toBe('keep');
  });

  it('refuses a --device it does not know, and cuda without its libraries, before measuring anything', async () => {
    const bad = await runMain(main, ['--device', 'gpu', '--only', 'preprocess']);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('error: --device must be cpu, cuda, tensorrt or webgpu, got "gpu"\n');
    const cuda = await runMain(main, ['--device', 'cuda', '--only', 'preprocess', '--out', mkdtempSync(join(tmpdir(), 'perf-cuda-'))]);
    expect(cuda.code).toBe(2);
    expect(cuda.err).toMatch(/^error: --device cuda: .*ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install\.js\n$/);
    expect(cuda.out).toBe('');
  });

  it('refuses positional arguments', async () => {
    const r = await runMain(main, ['quick']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: perf takes no arguments (got quick); see: npm run perf -- --help\n');
  });

  it('--only runs the named sections in suite order, each once', () => {
    expect(parseSections('transformers-js, probe,probe')).toEqual(['probe', 'transformers-js']);
    expect(parseSections(undefined)).toEqual([...SECTION_IDS]);
  });

  it('--only with nothing in it is refused', () => {
    expect(() => parseSections(' , ')).toThrow(/--only: no section given/);
  });

  it('writes perf-quick.json and perf-quick.md to --out for a --quick run', async () => {
    const out = mkdtempSync(join(tmpdir(), 'perf-run-'));
    const r = await runMain(main, ['--quick', '--only', 'preprocess', '--out', out]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['perf-quick.json', 'perf-quick.md']);
    const rec = JSON.parse(readFileSync(join(out, 'perf-quick.json'), 'utf8')) as PerfRun;
    expect(rec.quick).toBe(true);
    expect(rec.preprocess!.map((p) => p.case)).toHaveLength(4);
    expect(rec.probe).toBeUndefined();
    expect(readFileSync(join(out, 'perf-quick.md'), 'utf8')).toBe(renderPerfMarkdown(rec));
    expect(existsSync(join(out, 'perf.json'))).toBe(false);
  });
});

describe('perf.md from a perf.json record', () => {
  it('opens with when, how, the machine and the load average around the run', () => {
    const first = renderPerfMarkdown(fixture()).split('\n')[0];
    expect(first).toBe(
      'Measured 2026-11-29 13:12 UTC by `npm run perf -- --quick` in 4.0 min: 2 cores (AMD EPYC), Node v20.20.2, onnxruntime 1.30.0, device cpu; ' +
        'load average (1/5/15 min) 8.3 / 8.9 / 6.7 before, 13.9 / 12.2 / 8.6 after. Each ratio compares two variants measured back to back in the same run.',
    );
  });

  it('has five cells in every row', () => {
    const rows = tableRows(renderPerfMarkdown(fixture()));
    expect(rows.length).toBeGreaterThan(15);
    for (const r of rows) expect(r).toHaveLength(5);
  });

  it('shows each probe fit against scikit-learn with the ratio of medians and the iterations', () => {
    const row = tableRows(renderPerfMarkdown(fixture())).find((r) => r[0] === 'probe fit, 345 classes, n = 1,035')!;
    expect(row.slice(1, 4)).toEqual(['1.07 s', 'scikit-learn 3.11 s', '0.34']);
    expect(row[4]).toContain('iterations 5/5');
  });

  it('says the probe comparison was skipped, and why, when scikit-learn was missing', () => {
    const run = { ...fixture(), probe: { skipped: '/usr/bin/python3 has no scikit-learn (pip install scikit-learn)' }, slopes: {} };
    const rows = tableRows(renderPerfMarkdown(run));
    expect(rows.filter((r) => r[0].startsWith('probe fit'))).toEqual([
      ['probe fit vs scikit-learn', 'skipped', '', '', '/usr/bin/python3 has no scikit-learn (pip install scikit-learn)'],
    ]);
  });

  it('shows the transformers.js throughput, the cosine agreement and its cause', () => {
    const rows = tableRows(renderPerfMarkdown(fixture()));
    const tput = rows.find((r) => r[0] === 'image embeddings, ours vs transformers.js 4.3.2')!;
    expect(tput.slice(1, 4)).toEqual(['3.4 img/s', 'transformers.js 3.8 img/s', '1.12 (theirs/ours)']);
    expect(rows.find((r) => r[0] === 'embedding cosine, ours vs transformers.js')![1]).toBe('median 0.9577, min 0.8998');
    const cause = rows.find((r) => r[0] === 'cause: preprocessed pixels differ')!;
    expect(cause[1]).toBe('12.46 levels mean');
    expect(cause[4]).toContain('vs PIL bicubic: ours 0.00, transformers.js 12.46 levels');
    expect(cause[4]).toContain('shift of (-0.43, -0.43) source px');
  });

  it('shows int8 per-row-dq, one image per run and fp32 side by side, with the target, bit identity and load time', () => {
    const run = fixture();
    const rows = tableRows(renderPerfMarkdown(run));
    const perRow = rows.find((r) => r[0] === 'int8 encode, per-row-dq (batched) vs fp32')!;
    expect(perRow[3]).toBe(`${run.int8!.ratios.perRowVsFp32.toFixed(2)}× (target ≥ 1.8)`);
    expect(perRow[4]).toContain('embeddings bit-identical to one-per-run');
    expect(rows.find((r) => r[0] === 'int8 encode, one-per-run vs fp32')![2]).toBe(`fp32 ${run.int8!.imgPerSec.fp32.toFixed(1)} img/s`);
    expect(rows.some((r) => r[0] === 'int8 loadModel, per-row-dq vs one-per-run')).toBe(true);
    const differs = renderPerfMarkdown({ ...run, int8: { ...run.int8!, bitIdentical: false } });
    expect(differs).toContain('embeddings DIFFER from one-per-run');
  });

  it('leaves out the sections a run did not measure', () => {
    const { pipeline, cache, memory, transformersJs, int8, ...rest } = fixture();
    void [pipeline, cache, memory, transformersJs, int8];
    const rows = tableRows(renderPerfMarkdown({ ...rest, slopes: slopesOf(rest) }));
    expect(rows.some((r) => /pipeline|cache|RSS|transformers|int8/.test(r[0]))).toBe(false);
    expect(rows.some((r) => r[0].startsWith('preprocessing'))).toBe(true);
  });
});

describe('slopes', () => {
  it('a fit time that quadruples when n doubles grows as n²', () => {
    expect(logLogSlope([1000, 2000, 4000], [1, 4, 16])).toBeCloseTo(2, 12);
  });

  it('the least-squares slope of points on a line is its gradient', () => {
    expect(linearSlope([0.5, 1, 2], [10.5, 11, 12])).toBeCloseTo(1, 12);
  });

  it('a slope needs two distinct sizes', () => {
    expect(() => linearSlope([3, 3], [1, 2])).toThrow(/two distinct x values/);
  });

  it('come from the 10-class probe fits and the memory runs of a record', () => {
    const s = slopesOf(fixture());
    // 10 classes at n = 1,000 and 3,000: ours 0.467 → 0.902 s, scikit-learn 0.447 → 1.001 s.
    expect(s.probeFitOurs).toBeCloseTo(Math.log(0.9015312489999924 / 0.46682886699998927) / Math.log(3), 10);
    expect(s.probeFitSklearn).toBeCloseTo(Math.log(1.0007403580002574 / 0.44724984599997697) / Math.log(3), 10);
    expect(s.extractSeconds).toBeGreaterThan(0.9);
    expect(s.peakRssMbPer1000).toBeDefined();
  });

  it('are absent when a section measured one size only', () => {
    const run = fixture();
    const one = { ...run, memory: { ...run.memory!, runs: run.memory!.runs.slice(0, 1) } };
    expect(slopesOf(one).extractSeconds).toBeUndefined();
  });
});
