/** The flags that choose and open a model, shared by every command that loads one (bench, models). */
import { DEFAULT_MODEL } from '../model/registry.ts';
import { choiceFlag, type Flags } from './flags.ts';

export const MODEL_VARIANTS = ['fp32', 'quantized', 'fp16'] as const;
export type ModelVariant = (typeof MODEL_VARIANTS)[number];

export const MODELS_DIR_FLAG = {
  'models-dir': { type: 'string', value: '<dir>', help: 'models cache (default $CLIP_BENCH_MODELS or <project>/.cache/models)' },
} satisfies Flags;

export const MODEL_FLAGS = {
  model: { type: 'string', short: 'm', value: '<name|dir>', help: `registry model (npm run models -- list) or a local export;\ndefault ${DEFAULT_MODEL}` },
  ...MODELS_DIR_FLAG,
  'allow-unverified': { type: 'boolean', help: 'accept registry files that have no pinned checksum (the hashes got are recorded)' },
} satisfies Flags;

export const VARIANT_FLAG = {
  variant: { type: 'string', value: '<v>', help: 'export variant: fp32, quantized or fp16' },
} satisfies Flags;

export const variantFlag = (v: string | undefined): ModelVariant | undefined => choiceFlag(v, '--variant', MODEL_VARIANTS);
