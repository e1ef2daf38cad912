/**
 * The names of the 19 CIFAR-10-C corruptions, in the order of make_cifar_c.py (Hendrycks & Dietterich,
 * ICLR 2019; repository hendrycks/robustness): the 15 of the benchmark, then the 4 extras. The released
 * files are named after them (`<name>.npy`), so the dataset layer needs them; shifts/registry.ts holds
 * each one's parameters and checks that its entries match this list, name for name.
 */
export const CORRUPTION_NAMES: readonly string[] = [
  'gaussian_noise',
  'shot_noise',
  'impulse_noise',
  'defocus_blur',
  'glass_blur',
  'motion_blur',
  'zoom_blur',
  'snow',
  'frost',
  'fog',
  'brightness',
  'contrast',
  'elastic_transform',
  'pixelate',
  'jpeg_compression',
  'speckle_noise',
  'gaussian_blur',
  'spatter',
  'saturate',
];
