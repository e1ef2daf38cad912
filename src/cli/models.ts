/**
 * `npm run models -- <command>`: list registry models, inspect an export, and run its tokenizer
 * or image preprocessing alone. Thin: parse, resolve the model (src/model/resolve.ts), call, print.
 */
import { statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { formatCount } from '../util/progress.ts';
import type { ModelSignature, TensorInfo } from '../model/clip-model.ts';
import { ensureModel, localFiles, modelsRoot } from '../model/fetch.ts';
import { CONVERSION_METHODS } from '../model/manifest.ts';
import { listVariants } from '../model/variants.ts';
import { modelConfig, openModel, resolveModelRef } from '../model/resolve.ts';
import { DEFAULT_MODEL, MODEL_REGISTRY, isWeightFile, revisionOf, totalSize, type RegistryEntry } from '../model/registry.ts';
import { choiceFlag, defineCommand, defineGroup, formatTable, JSON_FLAG, startCli, writeJson, type CommandSpec, type Flags, type Io } from './toolkit.ts';
import { checkOutputDir, checkOutputFile } from './output-paths.ts';
import { MODEL_FLAGS, MODELS_DIR_FLAG, VARIANT_FLAG, variantFlag } from './model-flags.ts';

export interface CliContext extends Io {
  env: NodeJS.ProcessEnv;
  cwd: string;
  registry: readonly RegistryEntry[];
}

const PROG = 'npm run models --';

const command = <F extends Flags>(spec: CommandSpec<F, CliContext>) => defineCommand<F, CliContext>(spec);

const MODELS_DIR = MODELS_DIR_FLAG;
const MODEL_OPTS = MODEL_FLAGS;

const list = command({
  name: 'list',
  summary: 'registry models, whether downloaded, sizes',
  usage: '[--models-dir <dir>] [--json]',
  description: 'Lists the registry models with their description, download state and size.',
  flags: { ...MODELS_DIR, ...JSON_FLAG },
  examples: [`${PROG} list`, `CLIP_BENCH_MODELS=/data/models ${PROG} list --json`],
  run: ({ values, positionals, io }) => listCommand(values, positionals, io),
});

const inspect = command({
  name: 'inspect',
  summary: 'layout, files, variants, ONNX signature, preprocessing, tokenizer',
  usage: '<model> [options]',
  description: `Loads the model (downloading a registry model's files if needed) and prints its layout, files
with SHA-256 and sizes, the variants the export holds (fp32, quantized, fp16: files, sizes,
SHA-256), how it was converted if it was, the ONNX input/output signature of each tower, the
preprocessing, the tokenizer and the embedding size.`,
  flags: {
    ...MODEL_OPTS,
    model: { ...MODEL_OPTS.model, help: `the model, instead of the positional argument (default ${DEFAULT_MODEL})` },
    ...VARIANT_FLAG,
    ...JSON_FLAG,
  },
  examples: [`${PROG} inspect ${DEFAULT_MODEL}`, `${PROG} inspect clip-vit-b32-int8`, `${PROG} inspect ./exports/my-clip --variant quantized`, `${PROG} inspect clip-vit-b16 --allow-unverified`],
  run: ({ values, positionals, io }) => inspectCommand(values, positionals, io),
});

const tokenize = command({
  name: 'tokenize',
  summary: "token ids the model's text tower gets, one JSON array per text",
  usage: '--model <m> <text> [<text>...]',
  description: `Prints the ids the model's text tower receives (context length, padding as the export expects),
one JSON array per text, one per line. Registry models need only their small JSON files,
not the weights.`,
  flags: MODEL_OPTS,
  examples: [`${PROG} tokenize --model clip-vit-b32 "a photo of a dog." "a photo of a cat."`, `${PROG} tokenize "a photo of the number: \\"7\\"."`],
  run: ({ values, positionals, io }) => tokenizeCommand(values, positionals, io),
});

const preprocess = command({
  name: 'preprocess',
  summary: "the model's input tensor for one image, as float32 [1,3,H,W]",
  usage: '--model <m> <image> --out <file.npy>',
  description: `Decodes <image>, applies the model's preprocessing (resize, center crop, normalise) and writes
the float32 [1,3,H,W] tensor as .npy (atomically); prints its shape and per-channel mean.
Registry models need only their small JSON files, not the weights.`,
  flags: { ...MODEL_OPTS, out: { type: 'string', short: 'o', value: '<file.npy>', help: 'where to write the tensor (required)' } },
  examples: [
    `${PROG} preprocess --model clip-vit-b32 photo.jpg --out photo.npy`,
    `python3 -c "import numpy; print(numpy.load('photo.npy').shape)"`,
  ],
  run: ({ values, positionals, io }) => preprocessCommand(values, positionals, io),
});

const convert = command({
  name: 'convert',
  summary: 'write the fp16 or dynamic-int8 variant of an fp32 export',
  usage: '<model> --to fp16|int8-dynamic [--per-channel] --out <dir>',
  description: `Rewrites the export's ONNX graphs and writes a transformers.js-layout export to --out:
onnx/{vision,text}_model_fp16.onnx (float16 weights cast up in the graph, inputs and outputs
float32) or onnx/{vision,text}_model_quantized.onnx (onnxruntime quantize_dynamic's pattern:
DynamicQuantizeLinear → MatMulInteger (and ConvInteger with --conv) with symmetric int8
weights → Cast → Mul by the scales),
the side files, and a model.json whose "conversion" records the source files' SHA-256 and the
method. Load it with --variant fp16 or --variant quantized. Weights in ONNX external-data files
are read, and written the same way. The directory appears whole or not at all.`,
  flags: {
    ...MODEL_OPTS,
    model: { ...MODEL_OPTS.model, help: 'the fp32 export, instead of the positional argument' },
    to: { type: 'string', value: '<method>', help: 'fp16 or int8-dynamic (required)' },
    'per-channel': { type: 'boolean', help: 'int8-dynamic: one weight scale per output column (Conv: per output channel)\ninstead of one per tensor' },
    conv: { type: 'boolean', help: 'int8-dynamic: also quantize Conv (ConvInteger); slower than float Conv on CPU\nin bench/convert-speed.ts, so off by default' },
    out: { type: 'string', short: 'o', value: '<dir>', help: 'where to write the converted export (required; new or empty)' },
    force: { type: 'boolean', help: 'replace --out even if it already holds files' },
  },
  examples: [
    `${PROG} convert models/demo-clip --to int8-dynamic --out exports/demo-int8`,
    `${PROG} convert ./exports/my-clip --to fp16 --out exports/my-clip-fp16`,
    `npm run bench -- --model exports/demo-int8 --variant quantized --dataset cifar10`,
  ],
  run: ({ values, positionals, io }) => convertCommand(values, positionals, io),
});

export const modelsCli = defineGroup<CliContext>({
  prog: PROG,
  description: 'Registry models and local exports: list, inspect, convert, and run the tokenizer or image preprocessing alone.',
  commands: [list, inspect, tokenize, preprocess, convert],
  footer: `<model> is a registry name (downloaded on first use into .cache/models, or $CLIP_BENCH_MODELS)
or the directory of a local export. Default model: ${DEFAULT_MODEL}.`,
  examples: [`${PROG} list`, `${PROG} inspect clip-vit-b32`, `${PROG} tokenize --help`],
});

type Values = Record<string, string | boolean | string[] | undefined>;

/** --models-dir as given, after checking it is not a file (downloads would fail late and raw). */
function modelsDirOf(values: Values, io: CliContext): string | undefined {
  const dir = values['models-dir'] as string | undefined;
  if (dir !== undefined) checkOutputDir({ flag: '--models-dir', path: resolve(io.cwd, dir), shown: dir, writable: false });
  return dir;
}

/** Run the CLI in-process; returns the exit code (see src/cli/toolkit.ts). */
export function main(argv: string[], ctx: Partial<CliContext> = {}): Promise<number> {
  return modelsCli.main(argv, {
    stdout: ctx.stdout ?? process.stdout,
    stderr: ctx.stderr ?? process.stderr,
    env: ctx.env ?? process.env,
    cwd: ctx.cwd ?? process.cwd(),
    registry: ctx.registry ?? MODEL_REGISTRY,
  });
}

async function listCommand(values: Values, positionals: string[], io: CliContext): Promise<number> {
  if (positionals.length > 0) throw new UserError(`list takes no arguments, got "${positionals[0]}"`);
  const rows = await Promise.all(
    io.registry.map(async (entry) => {
      const local = await localFiles(entry, { modelsDir: modelsDirOf(values, io), env: io.env });
      const have = local.files.filter((f) => f.present).length;
      const weights = local.files.filter((f) => isWeightFile(f.file));
      const configOnly = weights.every((f) => !f.present) && have === local.files.length - weights.length;
      const state =
        have === local.files.length
          ? 'downloaded'
          : have === 0
            ? 'not downloaded'
            : configOnly
              ? 'config files only'
              : `partial (${have}/${local.files.length} files)`;
      const size = totalSize(entry.files);
      return { entry, dir: local.dir, state, size };
    }),
  );
  if (values.json) {
    const out = rows.map(({ entry, dir, state, size }) => ({
      name: entry.name,
      description: entry.description,
      repo: entry.hub.repo,
      revision: entry.hub.revision,
      variant: entry.variant,
      bytes: size.complete ? size.bytes : null,
      state,
      dir,
    }));
    writeJson(io, { defaultModel: DEFAULT_MODEL, models: out });
    return 0;
  }
  const table = rows.map(({ entry, state, size }) => [entry.name, size.complete ? formatCount(size.bytes, 'B') : 'unknown', state, entry.description]);
  io.stdout.write(formatTable(['name', 'size', 'state', 'description'], table));
  io.stdout.write(`\ncache: ${modelsRoot(values['models-dir'] as string | undefined, io.env)}\n`);
  io.stdout.write(`default model (no --model): ${DEFAULT_MODEL}\n`);
  return 0;
}

async function inspectCommand(values: Values, positionals: string[], io: CliContext): Promise<number> {
  if (positionals.length > 1) throw new UserError(`inspect takes one model, got ${positionals.length}: ${positionals.join(' ')}`);
  if (positionals.length === 1 && values.model) throw new UserError(`give the model either as an argument or with --model, not both`);
  const variant = variantFlag(values.variant as string | undefined);
  const ref = positionals[0] ?? (values.model as string | undefined) ?? DEFAULT_MODEL;
  const resolved = resolveModelRef(ref, { cwd: io.cwd, registry: io.registry });
  const model = await openModel(ref, {
    cwd: io.cwd,
    registry: io.registry,
    env: io.env,
    modelsDir: modelsDirOf(values, io),
    allowUnverified: values['allow-unverified'] === true,
    variant,
    progress: { stream: io.stderr },
    log: (line) => io.stderr.write(`${line}\n`),
  });
  try {
    const registry =
      resolved.kind === 'registry'
        ? { name: resolved.entry.name, repo: resolved.entry.hub.repo, revision: revisionOf(resolved.entry), licence: resolved.entry.licence }
        : undefined;
    const info = {
      name: model.name,
      dir: model.dir,
      registry,
      layout: model.layout,
      embeddingDim: model.embeddingDim,
      hasText: model.hasText,
      logitScale: model.logitScale,
      files: model.files,
      signature: model.signature,
      preprocess: model.preprocess,
      tokenizer: model.tokenizer ?? null,
      variants: await listVariants(model.dir),
      conversion: model.manifest.conversion ?? null,
    };
    if (values.json) {
      writeJson(io, info);
      return 0;
    }
    const w = (s: string) => io.stdout.write(`${s}\n`);
    w(`model:         ${model.name}`);
    w(`directory:     ${model.dir}`);
    if (registry) w(`registry:      ${registry.name} = ${registry.repo}@${registry.revision}\nlicence:       ${registry.licence}`);
    w(`layout:        ${model.layout}`);
    w(`embedding dim: ${model.embeddingDim}`);
    w(`text tower:    ${model.hasText ? 'yes' : 'no (image-only export)'}`);
    w(`logit scale:   ${model.logitScale}`);
    w(`files:`);
    for (const f of model.files) {
      w(`  ${f.role.padEnd(6)} ${relative(model.dir, f.path)}  ${formatCount(f.bytes, 'B')}  sha256 ${f.sha256}`);
    }
    w(`variants:`);
    for (const v of info.variants) {
      w(`  ${v.variant.padEnd(9)} ${formatCount(v.bytes, 'B')}`);
      for (const f of v.files) w(`    ${f.role.padEnd(6)} ${f.file}  ${formatCount(f.bytes, 'B')}  sha256 ${f.sha256}`);
    }
    if (info.conversion) {
      const c = info.conversion;
      w(`conversion:    ${c.method}${c.perChannel ? ' (per channel)' : ''} of ${c.source.name} by ${c.tool}`);
      for (const f of c.source.files) w(`  source ${f.role.padEnd(6)} ${f.file}  sha256 ${f.sha256}`);
    }
    w(`signature:`);
    for (const line of formatSignature(model.signature)) w(`  ${line}`);
    w(`preprocess:    ${JSON.stringify(model.preprocess)}`);
    w(`tokenizer:     ${model.tokenizer ? JSON.stringify(model.tokenizer) : 'none'}`);
    return 0;
  } finally {
    await model.release();
  }
}

async function convertCommand(values: Values, positionals: string[], io: CliContext): Promise<number> {
  if (positionals.length > 1) throw new UserError(`convert takes one model, got ${positionals.length}: ${positionals.join(' ')}`);
  if (positionals.length === 1 && values.model) throw new UserError(`give the model either as an argument or with --model, not both`);
  const ref = positionals[0] ?? (values.model as string | undefined);
  if (!ref) throw new UserError(`convert needs the fp32 export to convert, e.g. ${PROG} convert ${DEFAULT_MODEL} --to fp16 --out exports/demo-fp16`);
  if (values.to === undefined) throw new UserError(`convert needs --to fp16 or --to int8-dynamic`);
  const to = choiceFlag(values.to as string, '--to', CONVERSION_METHODS)!;
  for (const flag of ['per-channel', 'conv'] as const) {
    if (values[flag] && to !== 'int8-dynamic') throw new UserError(`--${flag} applies to --to int8-dynamic only`);
  }
  const out = values.out as string | undefined;
  if (!out) throw new UserError(`convert needs --out <dir> for the converted export`);
  const outDir = resolve(io.cwd, out);
  checkOutputDir({ flag: '--out', path: outDir, shown: out, mustBeEmpty: true, force: values.force === true });
  const resolved = resolveModelRef(ref, { cwd: io.cwd, registry: io.registry });
  const opts = { modelsDir: modelsDirOf(values, io), env: io.env, allowUnverified: values['allow-unverified'] === true, registry: io.registry, progress: { stream: io.stderr }, log: (line: string) => io.stderr.write(`${line}\n`) };
  const sourceDir = resolved.kind === 'dir' ? resolved.dir : await ensureModel(resolved.entry.name, { ...opts, entry: resolved.entry });
  if (resolve(sourceDir) === outDir) throw new UserError(`--out ${out} is the source export itself; choose a new directory`);
  const { convertExport } = await import('../model/convert.ts');
  const started = Date.now();
  const result = await convertExport(sourceDir, outDir, { to, perChannel: values['per-channel'] === true, conv: values.conv === true, log: opts.log });
  const shown = (p: string) => (relative(io.cwd, p).startsWith('..') ? p : relative(io.cwd, p));
  for (const f of result.files) io.stdout.write(`wrote ${shown(f.path)}  ${formatCount(f.bytes, 'B')}\n`);
  for (const [role, stats] of Object.entries(result.conversion.towers ?? {})) {
    io.stdout.write(`${role}: ${Object.entries(stats).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  }
  io.stdout.write(`converted ${ref} to ${to} in ${((Date.now() - started) / 1000).toFixed(1)} s; load it with --model ${out} --variant ${result.variant}\n`);
  return 0;
}

async function tokenizeCommand(values: Values, positionals: string[], io: CliContext): Promise<number> {
  if (positionals.length === 0) throw new UserError(`tokenize needs at least one text, e.g. ${PROG} tokenize "a photo of a dog."`);
  const ref = (values.model as string | undefined) ?? DEFAULT_MODEL;
  const cfg = await configOf(ref, values, io);
  if (!cfg.tokenizer) throw new UserError(`model ${ref} has no text tower (image-only export): nothing to tokenize`);
  const { loadTokenizer } = await import('../model/tokenizer/index.ts');
  const tokenizer = await loadTokenizer(cfg.tokenizer);
  const batch = tokenizer.tokenize(positionals);
  for (let i = 0; i < batch.n; i++) {
    const row = batch.ids.subarray(i * batch.contextLength, (i + 1) * batch.contextLength);
    io.stdout.write(`${JSON.stringify(Array.from(row))}\n`);
  }
  return 0;
}

/** Preprocessing and tokenizer settings of a model, without its weights. */
function configOf(ref: string, values: Values, io: CliContext) {
  return modelConfig(ref, {
    cwd: io.cwd,
    registry: io.registry,
    env: io.env,
    modelsDir: modelsDirOf(values, io),
    allowUnverified: values['allow-unverified'] === true,
    progress: { stream: io.stderr },
    log: (line) => io.stderr.write(`${line}\n`),
  });
}

async function preprocessCommand(values: Values, positionals: string[], io: CliContext): Promise<number> {
  if (positionals.length !== 1) {
    throw new UserError(`preprocess takes exactly one image, got ${positionals.length}${positionals.length ? `: ${positionals.join(' ')}` : ''}`);
  }
  const out = values.out as string | undefined;
  if (!out) throw new UserError(`preprocess needs --out <file.npy>`);
  if (!out.endsWith('.npy')) throw new UserError(`--out must end in .npy, got "${out}"`);
  checkOutputFile('--out', resolve(io.cwd, out));
  const imagePath = resolve(io.cwd, positionals[0]);
  const st = statSync(imagePath, { throwIfNoEntry: false });
  if (!st) throw new UserError(`image not found: ${imagePath}`);
  if (!st.isFile()) throw new UserError(`not a file: ${imagePath}`);
  const outPath = resolve(io.cwd, out);

  const ref = (values.model as string | undefined) ?? DEFAULT_MODEL;
  const cfg = await configOf(ref, values, io);
  const [{ decodeImageFile }, { preprocessImage }, { encodeNpy }] = await Promise.all([
    import('../datasets/decode.ts'),
    import('../model/preprocess/index.ts'),
    import('../util/npy.ts'),
  ]);
  const img = await decodeImageFile(imagePath);
  const pixels = preprocessImage(img, cfg.preprocess);
  const { height, width } = cfg.preprocess.crop;
  const shape = [1, 3, height, width];
  await writeFileAtomic(outPath, encodeNpy(pixels, shape));
  const plane = height * width;
  const means = [0, 1, 2].map((c) => {
    let s = 0;
    for (let i = c * plane; i < (c + 1) * plane; i++) s += pixels[i];
    return s / plane;
  });
  io.stdout.write(`wrote ${outPath}: float32 [${shape.join(', ')}]\n`);
  io.stdout.write(`per-channel mean: [${means.map((m) => m.toFixed(6)).join(', ')}]\n`);
  return 0;
}

/** One line per tower: inputs -> output, with dtypes and shapes as the graph states them. */
function formatSignature(signature: ModelSignature): string[] {
  const t = (x: TensorInfo) => `${x.name} ${x.type} [${x.shape.join(', ')}]`;
  const lines = [`vision: ${t(signature.vision.input)} -> ${t(signature.vision.output)}`];
  const text = signature.text;
  if (text) {
    const inputs = [text.inputIds, ...(text.attentionMask ? [text.attentionMask] : [])].map(t).join(', ');
    lines.push(`text:   ${inputs} -> ${t(text.output)}${text.pooling === 'eot' ? ' (read at the end token)' : ''}`);
  }
  return lines;
}

startCli(import.meta.url, (argv, io) => main(argv, io));
