/**
 * How a model wants its pixels. Mirrors CLIP's reference transform
 * (Resize(size, BICUBIC) → CenterCrop → ToTensor → Normalize) and transformers.js
 * `preprocessor_config.json`, so any export can state its own.
 */
export interface PreprocessConfig {
  /** 'shortest': scale so the shortest side equals `size` (CLIP). 'exact': resize to `size`×`size`. */
  resizeMode: 'shortest' | 'exact';
  /** Target of the resize (pixels). */
  size: number;
  /** Center-crop output, after resize. */
  crop: { height: number; width: number };
  /** Resampling filter, PIL semantics (antialiased when shrinking). */
  resample: 'bicubic' | 'bilinear' | 'nearest';
  /** Multiplier applied to 0..255 values before normalisation (1/255 for CLIP). */
  rescale: number;
  mean: [number, number, number];
  std: [number, number, number];
}

/**
 * OpenAI CLIP ViT-B/32, B/16, L/14 at 224: openai/CLIP `clip/clip.py` `_transform` (Resize(224,
 * BICUBIC), CenterCrop(224), ToTensor, Normalize with these mean/std); transformers.js exports
 * state the same in `preprocessor_config.json`.
 */
export const CLIP_224: PreprocessConfig = {
  resizeMode: 'shortest',
  size: 224,
  crop: { height: 224, width: 224 },
  resample: 'bicubic',
  rescale: 1 / 255,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
};
