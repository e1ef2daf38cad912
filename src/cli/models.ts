/**
 * `npm run models -- <command>`: list registry models, inspect an export, and run its tokenizer
 * or image preprocessing alone. Thin: parse, resolve the model (src/model/resolve.ts), call, print.
 */
import { realpathSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { writeFileAtomic } from '../util/atomic.ts';
import { UserError, isUserError } from '../util/errors.ts';
import { formatCount } from '../util/progress.ts';
import type { ModelSignature, TensorInfo } from '../model/clip-model.ts';
import { localFiles, modelsRoot } from '../model/fetch.ts';
import { modelConfig, openModel, resolveModelRef } from '../model/resolve.ts';
import { DEFAULT_MODEL, MODEL_REGISTRY, isWeightFile, revisionOf, totalSize, type RegistryEntry } from '../model/registry.ts';

interface OutStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

export interface CliContext {
  stdout: OutStream;
  stderr: OutStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  registry: readonly RegistryEntry[];
}

const PROG = 'npm run models --';

const HELP: Record<string, string> = {
  main: `Usage: ${PROG} <command> [options]

Commands:
  list                                  registry models, whether downloaded, sizes
  inspect <model>                       layout, files, ONNX signature, preprocessing, tokenizer
  tokenize --model <m> <text>...        token ids the model's text tower gets, one JSON array per text
  preprocess --model <m> <image> --out <file.npy>
                                        the model's input tensor for one image, as float32 [1,3,H,W]

<model> is a registry name (downloaded on first use into .cache/models, or $CLIP_BENCH_MODELS)
or the directory of a local export. Default model: ${DEFAULT_MODEL}.
Run '${PROG} <command> --help' for a command's options and examples.`,
  list: `Usage: ${PROG} list [--models-dir <dir>] [--json]

Lists the registry models with their description, download state and size.

Options:
  --models-dir <dir>   models cache (default $CLIP_BENCH_MODELS or <project>/.cache/models)
  --json               machine-readable output
  -h, --help

Examples:
  ${PROG} list
  CLIP_BENCH_MODELS=/data/models ${PROG} list --json`,
  inspect: `Usage: ${PROG} inspect <model> [options]

Loads the model (downloading a registry model's files if needed) and prints its layout, files
with SHA-256 and sizes, the ONNX input/output signature of each tower, the preprocessing,
the tokenizer and the embedding size.

Options:
  -m, --model <m>         the model, instead of the positional argument (default ${DEFAULT_MODEL})
  --variant <v>           fp32 | quantized | fp16 (which ONNX files of the export to load)
  --models-dir <dir>      models cache
  --allow-unverified      accept files the registry has no checksum for
  --json                  machine-readable output
  -h, --help

Examples:
  ${PROG} inspect ${DEFAULT_MODEL}
  ${PROG} inspect clip-vit-b32-int8
  ${PROG} inspect ./exports/my-clip --variant quantized`,
  tokenize: `Usage: ${PROG} tokenize --model <m> <text> [<text>...]

Prints the ids the model's text tower receives (context length, padding as the export expects),
one JSON array per text, one per line. Registry models need only their small JSON files,
not the weights.

Options:
  -m, --model <m>         registry name or export directory (default ${DEFAULT_MODEL})
  --models-dir <dir>      models cache
  --allow-unverified      accept files the registry has no checksum for
  -h, --help

Examples:
  ${PROG} tokenize --model clip-vit-b32 "a photo of a dog." "a photo of a cat."
  ${PROG} tokenize "a photo of the number: \\"7\\"."`,
  preprocess: `Usage: ${PROG} preprocess --model <m> <image> --out <file.npy>

Decodes <image>, applies the model's preprocessing (resize, center crop, normalise) and writes
the float32 [1,3,H,W] tensor as .npy (atomically); prints its shape and per-channel mean.
Registry models need only their small JSON files, not the weights.

Options:
  -m, --model <m>         registry name or export directory (default ${DEFAULT_MODEL})
  -o, --out <file.npy>    where to write the tensor (required)
  --models-dir <dir>      models cache
  --allow-unverified      accept files the registry has no checksum for
  -h, --help

Examples:
  ${PROG} preprocess --model clip-vit-b32 photo.jpg --out photo.npy
  python3 -c "import numpy; print(numpy.load('photo.npy').shape)"`,
};

type Options = NonNullable<ParseArgsConfig['options']>;
const COMMON: Options = {
  help: { type: 'boolean', short: 'h' },
  'models-dir': { type: 'string' },
};
const MODEL_OPTS: Options = {
  model: { type: 'string', short: 'm' },
  'allow-unverified': { type: 'boolean' },
};

function parse(command: string, args: string[], options: Options) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    if (code.startsWith('ERR_PARSE_ARGS')) {
      // Node appends advice about '--' to unknown options; the first sentence is the point.
      const first = (e as Error).message.split(/\.\s/)[0].replace(/\.$/, '');
      throw new UserError(`${first} (see '${PROG} ${command} --help')`);
    }
    throw e;
  }
}

/** Run the CLI in-process; returns the exit code (0 ok, 2 user error, 1 bug). */
export async function main(argv: string[], ctx: Partial<CliContext> = {}): Promise<number> {
  const io: CliContext = {
    stdout: ctx.stdout ?? process.stdout,
    stderr: ctx.stderr ?? process.stderr,
    env: ctx.env ?? process.env,
    cwd: ctx.cwd ?? process.cwd(),
    registry: ctx.registry ?? MODEL_REGISTRY,
  };
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        io.stderr.write(`${HELP.main}\n`);
        return 2;
      case 'help':
      case '-h':
      case '--help':
        io.stdout.write(`${HELP.main}\n`);
        return 0;
      case 'list':
        return await listCommand(rest, io);
      case 'inspect':
        return await inspectCommand(rest, io);
      case 'tokenize':
        return await tokenizeCommand(rest, io);
      case 'preprocess':
        return await preprocessCommand(rest, io);
      default:
        throw new UserError(`unknown command "${command}"; commands: list, inspect, tokenize, preprocess (see '${PROG} --help')`);
    }
  } catch (e) {
    if (isUserError(e)) {
      io.stderr.write(`error: ${e.message}\n`);
      return e.exitCode;
    }
    io.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

async function listCommand(args: string[], io: CliContext): Promise<number> {
  const { values, positionals } = parse('list', args, { json: { type: 'boolean' } });
  if (values.help) return help('list', io);
  if (positionals.length > 0) throw new UserError(`list takes no arguments, got "${positionals[0]}"`);
  const rows = await Promise.all(
    io.registry.map(async (entry) => {
      const local = await localFiles(entry, { modelsDir: values['models-dir'] as string | undefined, env: io.env });
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
    io.stdout.write(`${JSON.stringify({ defaultModel: DEFAULT_MODEL, models: out }, null, 2)}\n`);
    return 0;
  }
  const table = [
    ['name', 'size', 'state', 'description'],
    ...rows.map(({ entry, state, size }) => [
      entry.name,
      size.complete ? formatCount(size.bytes, 'B') : 'unknown',
      state,
      entry.description,
    ]),
  ];
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  for (const row of table) io.stdout.write(`${row.map((cell, c) => (c < row.length - 1 ? cell.padEnd(widths[c]) : cell)).join('  ')}\n`);
  io.stdout.write(`\ncache: ${modelsRoot(values['models-dir'] as string | undefined, io.env)}\n`);
  io.stdout.write(`default model (no --model): ${DEFAULT_MODEL}\n`);
  return 0;
}

async function inspectCommand(args: string[], io: CliContext): Promise<number> {
  const { values, positionals } = parse('inspect', args, {
    ...MODEL_OPTS,
    variant: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) return help('inspect', io);
  if (positionals.length > 1) throw new UserError(`inspect takes one model, got ${positionals.length}: ${positionals.join(' ')}`);
  if (positionals.length === 1 && values.model) throw new UserError(`give the model either as an argument or with --model, not both`);
  const variant = values.variant as string | undefined;
  if (variant !== undefined && !['fp32', 'quantized', 'fp16'].includes(variant)) {
    throw new UserError(`--variant must be fp32, quantized or fp16, got "${variant}"`);
  }
  const ref = positionals[0] ?? (values.model as string | undefined) ?? DEFAULT_MODEL;
  const resolved = resolveModelRef(ref, { cwd: io.cwd, registry: io.registry });
  const model = await openModel(ref, {
    cwd: io.cwd,
    registry: io.registry,
    env: io.env,
    modelsDir: values['models-dir'] as string | undefined,
    allowUnverified: values['allow-unverified'] === true,
    variant: variant as 'fp32' | 'quantized' | 'fp16' | undefined,
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
    };
    if (values.json) {
      io.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
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
    w(`signature:`);
    for (const line of formatSignature(model.signature)) w(`  ${line}`);
    w(`preprocess:    ${JSON.stringify(model.preprocess)}`);
    w(`tokenizer:     ${model.tokenizer ? JSON.stringify(model.tokenizer) : 'none'}`);
    return 0;
  } finally {
    await model.release();
  }
}

async function tokenizeCommand(args: string[], io: CliContext): Promise<number> {
  const { values, positionals } = parse('tokenize', args, MODEL_OPTS);
  if (values.help) return help('tokenize', io);
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
function configOf(ref: string, values: Record<string, unknown>, io: CliContext) {
  return modelConfig(ref, {
    cwd: io.cwd,
    registry: io.registry,
    env: io.env,
    modelsDir: values['models-dir'] as string | undefined,
    allowUnverified: values['allow-unverified'] === true,
    progress: { stream: io.stderr },
    log: (line) => io.stderr.write(`${line}\n`),
  });
}

async function preprocessCommand(args: string[], io: CliContext): Promise<number> {
  const { values, positionals } = parse('preprocess', args, { ...MODEL_OPTS, out: { type: 'string', short: 'o' } });
  if (values.help) return help('preprocess', io);
  if (positionals.length !== 1) {
    throw new UserError(`preprocess takes exactly one image, got ${positionals.length}${positionals.length ? `: ${positionals.join(' ')}` : ''}`);
  }
  const out = values.out as string | undefined;
  if (!out) throw new UserError(`preprocess needs --out <file.npy>`);
  if (!out.endsWith('.npy')) throw new UserError(`--out must end in .npy, got "${out}"`);
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

function help(command: string, io: CliContext): number {
  io.stdout.write(`${HELP[command]}\n`);
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

function isEntryPoint(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
