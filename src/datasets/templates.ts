/**
 * Zero-shot prompt templates per built-in dataset (`{}` is replaced by the class name).
 * CIFAR-10 and MNIST follow OpenAI's CLIP repository / CLIP_benchmark exactly; the others have no
 * published CLIP set, so they are short ensembles in the same style, stated here as ours.
 */

/** OpenAI's 18-template CIFAR-10 ensemble. */
export const CIFAR10_TEMPLATES = [
  'a photo of a {}.',
  'a blurry photo of a {}.',
  'a black and white photo of a {}.',
  'a low contrast photo of a {}.',
  'a high contrast photo of a {}.',
  'a bad photo of a {}.',
  'a good photo of a {}.',
  'a photo of a small {}.',
  'a photo of a big {}.',
  'a photo of the {}.',
  'a blurry photo of the {}.',
  'a black and white photo of the {}.',
  'a low contrast photo of the {}.',
  'a high contrast photo of the {}.',
  'a bad photo of the {}.',
  'a good photo of the {}.',
  'a photo of the small {}.',
  'a photo of the big {}.',
] as const;

/** OpenAI / CLIP_benchmark MNIST template. */
export const MNIST_TEMPLATES = ['a photo of the number: "{}".'] as const;

/** Ours: clothing photos, grayscale and low resolution like the data. */
export const FASHION_MNIST_TEMPLATES = [
  'a photo of a {}.',
  'a photo of the {}.',
  'a black and white photo of a {}.',
  'a low resolution photo of a {}.',
  'a photo of a {}, a type of clothing.',
] as const;

/** Ours: sketches (in the style of CLIP_benchmark's ImageNet-Sketch prompts). */
export const QUICKDRAW_TEMPLATES = [
  'a drawing of a {}.',
  'a sketch of a {}.',
  'a doodle of a {}.',
  'a black and white drawing of a {}.',
  'a simple line drawing of the {}.',
] as const;

/** Ours: MNIST's template plus low-resolution variants for the 8×8 digits. */
export const DIGITS_TEMPLATES = [
  'a photo of the number: "{}".',
  'a low resolution photo of the number: "{}".',
  'a pixelated image of the digit {}.',
] as const;
