/**
 * `npm run perf [-- --quick] [--out dir]`: the performance suite in one command. Runs the bench/
 * scripts' measure…() functions in turn, writes every figure to perf.json (perf-quick.json with
 * --quick) and one markdown table to perf.md (perf-quick.md), which the README's Performance section
 * copies. Sizes: --quick is meant to finish in under 3 minutes on 2 shared cores; the full run is
 * the one the README quotes.
 */
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { checkOutputDir } from '../src/cli/output-paths.ts';
import { defineCommand, singleCommandMain, startCli, type Flags, type Io } from '../src/cli/toolkit.ts';
import { writeFileAtomic } from '../src/util/atomic.ts';
import { UserError } from '../src/util/errors.ts';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import { measureExtractMemory } from './extract-memory.ts';
import { measureFeatureCacheSpeed } from './feature-cache-speed.ts';
import { measureInt8Batching } from './int8-batching.ts';
import { renderPerfMarkdown, SECTION_IDS, slopesOf, type PerfRun, type SectionId } from './perf-report.ts';
import { measurePipelineThroughput, pipelineVerdict } from './pipeline-throughput.ts';
import { measurePreprocessSpeed } from './preprocess-speed.ts';
import { measureProbeVsSklearn } from './probe-vs-sklearn.ts';
import { measureTextThroughput } from './text-throughput.ts';
import { measureTransformersJs } from './transformers-js.ts';
import { machineInfo } from './vit-graph.ts';
import { DEVICE_FLAG, deviceFlag } from '../src/cli/model-flags.ts';
import type { Device } from '../src/model/device.ts';

const PROG = 'npm run perf --';

const FLAGS = {
  quick: { type: 'boolean', help: 'small sizes, one round each: under 3 minutes on 2 cores' },
  out: { type: 'string', value: '<dir>', help: 'where perf.json and perf.md go (default bench/results)' },
  only: { type: 'string', value: '<ids>', help: `comma-separated sections to run (default all):\n${SECTION_IDS.join(', ')}` },
  python: { type: 'string', value: '<path>', help: 'python with scikit-learn and PIL for the reference figures (default /usr/bin/python3)' },
  ...DEVICE_FLAG,
} satisfies Flags;

/** Sections to run, in suite order; a UserError names an unknown one. */
export function parseSections(only: string | undefined): SectionId[] {
  if (only === undefined) return [...SECTION_IDS];
  const asked = only.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = asked.find((s) => !(SECTION_IDS as readonly string[]).includes(s));
  if (bad !== undefined || asked.length === 0) {
    throw new UserError(`--only: ${bad === undefined ? 'no section given' : `unknown section "${bad}"`}; sections: ${SECTION_IDS.join(', ')} (see: ${PROG} --help)`);
  }
  return SECTION_IDS.filter((s) => asked.includes(s));
}

interface SuiteOptions {
  quick: boolean;
  /** Execution provider of our encoder in the pipeline, cache and memory sections (probe and transformers.js stay on cpu). */
  device: Device;
  python: string;
  log: (line: string) => void;
}

/** One section: measure and store its figures on the run record. Sizes per mode are here, in one place. */
const SECTIONS: Record<SectionId, { title: string; run(o: SuiteOptions, rec: PerfRun): Promise<void> }> = {
  pipeline: {
    title: 'pipeline vs encode-only throughput',
    async run(o, rec) {
      rec.pipeline = await measurePipelineThroughput(o.quick ? { n: 64, rounds: 1, quick: true, device: o.device, log: o.log } : { n: 256, rounds: 3, device: o.device, log: o.log });
      o.log(pipelineVerdict(rec.pipeline));
    },
  },
  text: {
    title: 'prompt encoding: length-bucketed vs 77-token padding',
    async run(o, rec) {
      rec.text = await measureTextThroughput(o.quick ? { classes: 25, sampleClasses: 5, log: o.log } : { classes: 1000, sampleClasses: 25, log: o.log });
      const t = rec.text;
      o.log(`text: bucketed ${t.bucketed.promptsPerSec.toFixed(1)} prompts/s vs 77-padded ${t.sample.paddedPromptsPerSec.toFixed(1)}: ${t.speedup.toFixed(2)}× (target ≥ 3×), min cosine ${t.agreement.minCosine.toFixed(6)}`);
    },
  },
  preprocess: {
    title: 'preprocessing per core',
    async run(o, rec) {
      rec.preprocess = measurePreprocessSpeed({ seconds: o.quick ? 0.25 : 2 });
    },
  },
  cache: {
    title: 'cached vs uncached extraction',
    async run(o, rec) {
      rec.cache = await measureFeatureCacheSpeed(o.quick ? { n: 16, rounds: 1, hitRows: 200, device: o.device, log: o.log } : { n: 300, rounds: 3, hitRows: 10000, device: o.device, log: o.log });
    },
  },
  probe: {
    title: 'probe fit time vs scikit-learn',
    async run(o, rec) {
      const cases: [number, number][] = o.quick
        ? [[10, 1000], [10, 3000], [345, 1035]]
        : [[10, 1000], [10, 5000], [10, 20000], [10, 45000], [345, 3450]];
      rec.probe = await measureProbeVsSklearn({ python: o.python, cases, rounds: o.quick ? 1 : 2, log: o.log });
      if ('skipped' in rec.probe) o.log(`skipped: ${rec.probe.skipped}`);
    },
  },
  memory: {
    title: 'peak memory vs dataset size',
    async run(o, rec) {
      rec.memory = await measureExtractMemory({ counts: o.quick ? [100, 200] : [2500, 5000, 10000], device: o.device, log: o.log });
    },
  },
  'transformers-js': {
    title: 'transformers.js side by side',
    async run(o, rec) {
      rec.transformersJs = await measureTransformersJs(
        o.quick ? { n: 8, batchSize: 8, rounds: 1, threads: [rec.machine.cores], python: o.python, log: o.log } : { n: 128, rounds: 3, python: o.python, log: o.log },
      );
    },
  },
  int8: {
    title: 'int8 per-row vs one image per run vs fp32',
    async run(o, rec) {
      rec.int8 = await measureInt8Batching(o.quick ? { n: 16, rounds: 1, log: o.log } : { n: 64, rounds: 3, log: o.log });
    },
  },
};

const perf = defineCommand({
  name: 'perf',
  summary: 'measure the harness: throughput, preprocessing, cache, probe vs scikit-learn, memory, transformers.js, int8',
  usage: '[options]',
  description:
    'Runs the performance scripts in bench/ and writes every figure to <out>/perf.json and one markdown\n' +
    'table to <out>/perf.md (perf-quick.* with --quick). Each ratio pairs two variants measured back to\n' +
    'back in the same run; the load average before and after is recorded. The probe comparison needs\n' +
    'scikit-learn (skipped with a note otherwise); the transformers.js comparison runs offline on the\n' +
    'ViT-B/32-shaped export that bench/vit-graph.ts writes to .cache/bench/; the int8 section converts that export\n' +
    'to int8-dynamic and times it per-row (batched), one image per run and fp32 side by side. --device applies to\n' +
    'our encoder in the pipeline, cache and memory sections; the probe, transformers.js and int8 sections run on the CPU.',
  flags: FLAGS,
  examples: [`${PROG} --quick`, `${PROG} --only probe,memory --out /tmp/perf`, 'npm run perf'],
  async run({ values, positionals, io, argv }) {
    if (positionals.length) throw new UserError(`perf takes no arguments (got ${positionals.join(' ')}); see: ${PROG} --help`);
    const sections = parseSections(values.only);
    const out = values.out === undefined ? join(PROJECT_ROOT, 'bench', 'results') : resolve(values.out);
    checkOutputDir({ flag: values.out === undefined ? '--out (default)' : '--out', path: out, shown: values.out });
    const quick = values.quick ?? false;
    const device = deviceFlag(values.device);
    const log = (line: string) => io.stderr.write(`  ${line}\n`);
    const t0 = performance.now();
    const rec: PerfRun = {
      benchmark: 'perf',
      date: new Date().toISOString(),
      quick,
      device,
      argv,
      wallSeconds: 0,
      machine: machineInfo() as PerfRun['machine'],
      loadavgBefore: loadavg(),
      loadavgAfter: [],
      sectionSeconds: {},
      slopes: {},
    };
    for (const [i, id] of sections.entries()) {
      io.stderr.write(`perf [${i + 1}/${sections.length}] ${SECTIONS[id].title}\n`);
      const s0 = performance.now();
      await SECTIONS[id].run({ quick, device, python: values.python ?? '/usr/bin/python3', log }, rec);
      rec.sectionSeconds[id] = (performance.now() - s0) / 1000;
      io.stderr.write(`perf [${i + 1}/${sections.length}] ${id} done in ${rec.sectionSeconds[id]!.toFixed(1)} s\n`);
    }
    rec.slopes = slopesOf(rec);
    rec.loadavgAfter = loadavg();
    rec.wallSeconds = (performance.now() - t0) / 1000;
    const base = quick ? 'perf-quick' : 'perf';
    const md = renderPerfMarkdown(rec);
    await writeFileAtomic(join(out, `${base}.json`), `${JSON.stringify(rec, null, 1)}\n`);
    await writeFileAtomic(join(out, `${base}.md`), md);
    io.stdout.write(md);
    io.stdout.write(`\nwrote ${join(out, `${base}.json`)} and ${base}.md (${rec.wallSeconds.toFixed(0)} s)\n`);
  },
});

export const main: (argv: string[], io?: Io) => Promise<number> = singleCommandMain(PROG, perf);
startCli(import.meta.url, main);
