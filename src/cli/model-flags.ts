/** The flags that choose and open a model, shared by every command that loads one (bench, models). */
import { checkDevice, DEVICES, type Device } from '../model/device.ts';
import { INT8_ENCODE_CHOICES, type Int8EncodeChoice } from '../model/image-encode-modes.ts';
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

/** `--device`: the onnxruntime execution provider that runs the encoders (bench, compare, features, perf). */
export const DEVICE_FLAG = {
  device: { type: 'string', value: '<d>', help: `onnxruntime execution provider: ${DEVICES.join(', ')} (default cpu);\ncuda and tensorrt need onnxruntime-node's CUDA 12 build (see README)` },
} satisfies Flags;

/** The --device value, checked to be installed here before any work starts (one error line saying how to get it). */
export function deviceFlag(v: string | undefined): Device {
  const device = choiceFlag(v, '--device', DEVICES) ?? 'cpu';
  checkDevice(device);
  return device;
}

/** `--int8-encode`: how dynamically quantised (int8) image towers run (docs/int8.md). */
export const INT8_ENCODE_FLAG = {
  'int8-encode': { type: 'string', value: '<m>', help: 'int8 (DynamicQuantizeLinear) exports: auto (per-image quantisation, batched;\nthe default) or one-per-run (one image per onnxruntime run); see docs/int8.md' },
} satisfies Flags;

export const int8EncodeFlag = (v: string | undefined): Int8EncodeChoice => choiceFlag(v, '--int8-encode', INT8_ENCODE_CHOICES) ?? 'auto';
