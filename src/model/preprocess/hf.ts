/**
 * Reading a Hugging Face / transformers.js `preprocessor_config.json` (CLIPImageProcessor and
 * the older CLIPFeatureExtractor layout) into a PreprocessConfig. Missing keys take
 * CLIPImageProcessor's defaults (resize shortest edge 224 bicubic, crop 224, rescale 1/255,
 * OpenAI CLIP mean/std). Anything this pipeline cannot reproduce is refused with a UserError
 * naming the file and key, rather than silently preprocessing differently.
 */
import { UserError } from '../../util/errors.ts';
import { CLIP_224, type PreprocessConfig } from './config.ts';

/** PIL resampling codes (PIL.Image.Resampling) that the resampler implements. */
const PIL_RESAMPLE: Record<number, PreprocessConfig['resample']> = { 0: 'nearest', 2: 'bilinear', 3: 'bicubic' };
const PIL_RESAMPLE_NAMES: Record<number, string> = { 1: 'LANCZOS', 4: 'BOX', 5: 'HAMMING' };

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

export function preprocessConfigFromHF(json: unknown, fileForErrors: string): PreprocessConfig {
  const fail = (key: string, msg: string): never => {
    throw new UserError(`${fileForErrors}: "${key}" ${msg}`);
  };
  if (!isObject(json)) throw new UserError(`${fileForErrors}: expected a JSON object (a preprocessor_config.json)`);

  const bool = (key: string, dflt: boolean): boolean => {
    const v = json[key];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') fail(key, `must be true or false (got ${show(v)})`);
    return v as boolean;
  };
  const posInt = (key: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail(key, `must be a positive integer (got ${show(v)})`);
    return v as number;
  };
  const triple = (key: string, dflt: [number, number, number], positive: boolean): [number, number, number] => {
    const v = json[key];
    if (v === undefined || v === null) return dflt;
    const arr = typeof v === 'number' ? [v, v, v] : Array.isArray(v) && v.length === 1 ? [v[0], v[0], v[0]] : v;
    if (!Array.isArray(arr) || arr.length !== 3 || !arr.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      fail(key, `must be a number or a list of 3 numbers, one per RGB channel (got ${show(v)})`);
    }
    const t = arr as [number, number, number];
    if (positive && !t.every((x) => x > 0)) fail(key, `values must be > 0 (got ${show(v)})`);
    return [t[0], t[1], t[2]];
  };

  // Resize.
  if (!bool('do_resize', true)) {
    fail('do_resize', 'false is not supported: images of different sizes cannot be batched; set a resize size');
  }
  let resizeMode: PreprocessConfig['resizeMode'] = 'shortest';
  let size = CLIP_224.size;
  const s = json.size;
  if (typeof s === 'number') {
    size = posInt('size', s); // CLIPImageProcessor: an int size is the shortest edge.
  } else if (isObject(s)) {
    if ('shortest_edge' in s) {
      if ('longest_edge' in s && s.longest_edge !== null) fail('size.longest_edge', 'is not supported (only shortest_edge)');
      size = posInt('size.shortest_edge', s.shortest_edge);
    } else if ('height' in s || 'width' in s) {
      const h = posInt('size.height', s.height);
      const w = posInt('size.width', s.width);
      if (h !== w) fail('size', `must be square (height ${h} ≠ width ${w} is not supported)`);
      resizeMode = 'exact';
      size = h;
    } else {
      fail('size', `must be a number, {"shortest_edge": n} or {"height": n, "width": n} (got ${show(s)})`);
    }
  } else if (s !== undefined && s !== null) {
    fail('size', `must be a number, {"shortest_edge": n} or {"height": n, "width": n} (got ${show(s)})`);
  }

  let resample: PreprocessConfig['resample'] = 'bicubic';
  const r = json.resample;
  if (r !== undefined && r !== null) {
    if (typeof r !== 'number' || !(r in PIL_RESAMPLE)) {
      const name = typeof r === 'number' ? PIL_RESAMPLE_NAMES[r] : undefined;
      fail('resample', `${show(r)}${name ? ` (${name})` : ''} is not supported; use 3 (BICUBIC), 2 (BILINEAR) or 0 (NEAREST)`);
    }
    resample = PIL_RESAMPLE[r as number];
  }

  // Center crop. Without crop_size, the crop is the square resize size (a no-op after an exact resize).
  let crop = { height: size, width: size };
  const doCrop = bool('do_center_crop', true);
  const c = json.crop_size;
  if (doCrop && c !== undefined && c !== null) {
    if (typeof c === 'number') {
      const n = posInt('crop_size', c);
      crop = { height: n, width: n };
    } else if (isObject(c)) {
      crop = { height: posInt('crop_size.height', c.height), width: posInt('crop_size.width', c.width) };
    } else {
      fail('crop_size', `must be a number or {"height": n, "width": n} (got ${show(c)})`);
    }
  } else if (!doCrop && resizeMode === 'shortest') {
    fail('do_center_crop', 'false with a shortest-edge resize gives images of different sizes; that is not supported');
  }

  // Rescale and normalise.
  let rescale = 1;
  if (bool('do_rescale', true)) {
    const f = json.rescale_factor;
    if (f === undefined || f === null) rescale = CLIP_224.rescale;
    else if (typeof f !== 'number' || !Number.isFinite(f) || f <= 0) fail('rescale_factor', `must be a positive number (got ${show(f)})`);
    else rescale = f;
  }
  let mean: [number, number, number] = [0, 0, 0];
  let std: [number, number, number] = [1, 1, 1];
  if (bool('do_normalize', true)) {
    mean = triple('image_mean', [...CLIP_224.mean], false);
    std = triple('image_std', [...CLIP_224.std], true);
  }

  return { resizeMode, size, crop, resample, rescale, mean, std };
}

const PIL_RESAMPLE_CODE = { nearest: 0, bilinear: 2, bicubic: 3 } as const;

/**
 * The inverse of preprocessConfigFromHF: a transformers.js / HF CLIPImageProcessor
 * `preprocessor_config.json` stating `cfg` (used to write exports).
 */
export function preprocessConfigToHF(cfg: PreprocessConfig): Record<string, unknown> {
  return {
    crop_size: { ...cfg.crop },
    do_center_crop: true,
    do_convert_rgb: true,
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    feature_extractor_type: 'CLIPFeatureExtractor',
    image_mean: [...cfg.mean],
    image_processor_type: 'CLIPImageProcessor',
    image_std: [...cfg.std],
    resample: PIL_RESAMPLE_CODE[cfg.resample],
    rescale_factor: cfg.rescale,
    size: cfg.resizeMode === 'shortest' ? { shortest_edge: cfg.size } : { height: cfg.size, width: cfg.size },
  };
}
