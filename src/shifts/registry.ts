/**
 * The CIFAR-10-C corruptions as data: for each, its five severities' parameters exactly as in
 * make_cifar_c.py of Hendrycks & Dietterich, "Benchmarking Neural Network Robustness to Common
 * Corruptions and Perturbations", ICLR 2019 (repository hendrycks/robustness, file
 * ImageNet-C/create_c/make_cifar_c.py), how faithfully it is reproduced, and the function.
 * Order: the 15 of the benchmark, then the 4 extras, as in that file.
 */
import { CORRUPTION_NAMES } from '../datasets/corruption-names.ts';
import type { RawImage } from '../datasets/types.ts';
import type { Rng } from '../util/rng.ts';
import { defocusBlur, gaussianBlur, glassBlur, motionBlur, zoomBlur } from './corruptions/blur.ts';
import { brightness, contrast, elasticTransform, jpegCompression, pixelate, saturate } from './corruptions/digital.ts';
import { gaussianNoise, impulseNoise, shotNoise, speckleNoise } from './corruptions/noise.ts';
import { spatter } from './corruptions/spatter.ts';
import { fog, frost, snow } from './corruptions/weather.ts';

export const SOURCE = 'hendrycks/robustness ImageNet-C/create_c/make_cifar_c.py (Hendrycks & Dietterich, ICLR 2019)';

/**
 * exact: no randomness; reproduces the original function's uint8 output within 1 level per value.
 * encoder: no randomness; JPEG through sharp/libvips instead of Pillow (measured difference in README).
 * seeded: the original's distributions with this project's seeded draws.
 * procedural: seeded, and depends on data the original used that is not available (frost images).
 */
export type Fidelity = 'exact' | 'encoder' | 'seeded' | 'procedural';

export type SeverityParams = Readonly<Record<string, number | boolean>>;

export interface CorruptionEntry {
  name: string;
  group: 'corruptions' | 'extra';
  fidelity: Fidelity;
  /** Whether the result depends on the seed (seeded and procedural corruptions). */
  seeded: boolean;
  /** Parameters of severities 1..5 (index 0..4), named for what they do. */
  severities: readonly SeverityParams[];
  /** The function in make_cifar_c.py this follows. */
  source: string;
  notes?: string;
  apply(img: RawImage, params: SeverityParams, rng: Rng): RawImage | Promise<RawImage>;
}

/** Typed construction of an entry; the table stores entries with their parameter types erased. */
function entry<P extends SeverityParams>(e: Omit<CorruptionEntry, 'severities' | 'apply' | 'source' | 'seeded'> & {
  severities: readonly P[];
  apply(img: RawImage, params: P, rng: Rng): RawImage | Promise<RawImage>;
}): CorruptionEntry {
  if (e.severities.length !== 5) throw new Error(`${e.name}: expected 5 severities`);
  const seeded = e.fidelity === 'seeded' || e.fidelity === 'procedural';
  return { ...e, seeded, source: `${SOURCE}, ${e.name}()`, apply: e.apply as CorruptionEntry['apply'] };
}

const sev = <P extends SeverityParams>(keys: (keyof P & string)[], rows: (number | boolean)[][]): P[] =>
  rows.map((r) => Object.fromEntries(keys.map((k, i) => [k, r[i]])) as P);

export const CORRUPTIONS: readonly CorruptionEntry[] = [
  entry({
    name: 'gaussian_noise', group: 'corruptions', fidelity: 'seeded',
    severities: sev<{ sigma: number }>(['sigma'], [[0.04], [0.06], [0.08], [0.09], [0.1]]),
    apply: gaussianNoise,
  }),
  entry({
    name: 'shot_noise', group: 'corruptions', fidelity: 'seeded',
    severities: sev<{ photons: number }>(['photons'], [[500], [250], [100], [75], [50]]),
    apply: shotNoise,
  }),
  entry({
    name: 'impulse_noise', group: 'corruptions', fidelity: 'seeded',
    severities: sev<{ amount: number }>(['amount'], [[0.01], [0.02], [0.03], [0.05], [0.07]]),
    notes: 'salt-and-pepper as current scikit-image random_noise draws it (each value flipped with probability amount)',
    apply: impulseNoise,
  }),
  entry({
    name: 'defocus_blur', group: 'corruptions', fidelity: 'exact',
    severities: sev<{ radius: number; aliasBlur: number }>(['radius', 'aliasBlur'], [[0.3, 0.4], [0.4, 0.5], [0.5, 0.6], [1, 0.2], [1.5, 0.1]]),
    apply: defocusBlur,
  }),
  entry({
    name: 'glass_blur', group: 'corruptions', fidelity: 'seeded',
    severities: sev<{ sigma: number; maxDelta: number; iterations: number }>(
      ['sigma', 'maxDelta', 'iterations'], [[0.05, 1, 1], [0.25, 1, 1], [0.4, 1, 1], [0.25, 1, 2], [0.4, 1, 2]]),
    notes: "the original's pixel 'swap' is a copy (NumPy views); kept",
    apply: glassBlur,
  }),
  entry({
    name: 'motion_blur', group: 'corruptions', fidelity: 'seeded',
    severities: sev<{ radius: number; sigma: number }>(['radius', 'sigma'], [[6, 1], [6, 1.5], [6, 2], [8, 2], [9, 2.5]]),
    notes: "ImageMagick MotionBlurImage re-implemented (one-sided Gaussian); angle U(-45°, 45°)",
    apply: motionBlur,
  }),
  entry({
    name: 'zoom_blur', group: 'corruptions', fidelity: 'exact',
    severities: sev<{ maxZoom: number; step: number }>(['maxZoom', 'step'], [[1.06, 0.01], [1.11, 0.01], [1.16, 0.01], [1.21, 0.01], [1.26, 0.01]]),
    notes: 'zoom factors np.arange(1, maxZoom, step) with float arange (7, 12, 16, 21, 26 factors)',
    apply: zoomBlur,
  }),
  entry({
    name: 'snow', group: 'corruptions', fidelity: 'seeded',
    severities: sev<{ mean: number; std: number; zoom: number; threshold: number; blurRadius: number; blurSigma: number; keep: number }>(
      ['mean', 'std', 'zoom', 'threshold', 'blurRadius', 'blurSigma', 'keep'],
      [[0.1, 0.2, 1, 0.6, 8, 3, 0.95], [0.1, 0.2, 1, 0.5, 10, 4, 0.9], [0.15, 0.3, 1.75, 0.55, 10, 4, 0.9],
        [0.25, 0.3, 2.25, 0.6, 12, 6, 0.85], [0.3, 0.3, 1.25, 0.65, 14, 12, 0.8]]),
    notes: 'flakes motion-blurred with the re-implemented ImageMagick kernel, angle U(-135°, -45°)',
    apply: snow,
  }),
  entry({
    name: 'frost', group: 'corruptions', fidelity: 'procedural',
    severities: sev<{ imageWeight: number; frostWeight: number }>(['imageWeight', 'frostWeight'], [[1, 0.2], [1, 0.3], [0.9, 0.4], [0.85, 0.4], [0.75, 0.45]]),
    notes: "PROCEDURAL frost texture, not the original frost images (frost1.png … frost6.jpg are not available); " +
      'results are not comparable with published CIFAR-10-C frost numbers',
    apply: frost,
  }),
  entry({
    name: 'fog', group: 'corruptions', fidelity: 'seeded',
    severities: sev<{ amount: number; decay: number }>(['amount', 'decay'], [[0.2, 3], [0.5, 3], [0.75, 2.5], [1, 2], [1.5, 1.75]]),
    notes: 'plasma fractal (diamond-square) map of side 32, or the next power of two for larger images',
    apply: fog,
  }),
  entry({
    name: 'brightness', group: 'corruptions', fidelity: 'exact',
    severities: sev<{ shift: number }>(['shift'], [[0.05], [0.1], [0.15], [0.2], [0.3]]),
    apply: brightness,
  }),
  entry({
    name: 'contrast', group: 'corruptions', fidelity: 'exact',
    severities: sev<{ factor: number }>(['factor'], [[0.75], [0.5], [0.4], [0.3], [0.15]]),
    apply: contrast,
  }),
  entry({
    name: 'elastic_transform', group: 'corruptions', fidelity: 'seeded',
    severities: sev<{ alpha: number; sigma: number; affine: number }>(
      ['alpha', 'sigma', 'affine'], [[0, 0, 0.08], [0.05, 0.2, 0.07], [0.08, 0.06, 0.06], [0.1, 0.04, 0.05], [0.1, 0.03, 0.03]]),
    notes: 'parameters are fractions of the image side (the original multiplies them by IMSIZE = 32)',
    apply: elasticTransform,
  }),
  entry({
    name: 'pixelate', group: 'corruptions', fidelity: 'exact',
    severities: sev<{ factor: number }>(['factor'], [[0.95], [0.9], [0.85], [0.75], [0.65]]),
    apply: pixelate,
  }),
  entry({
    name: 'jpeg_compression', group: 'corruptions', fidelity: 'encoder',
    severities: sev<{ quality: number }>(['quality'], [[80], [65], [58], [50], [40]]),
    notes: "sharp/libvips JPEG at Pillow's quality and 4:2:0 chroma; not bit-identical to Pillow's encoder",
    apply: jpegCompression,
  }),
  entry({
    name: 'speckle_noise', group: 'extra', fidelity: 'seeded',
    severities: sev<{ sigma: number }>(['sigma'], [[0.06], [0.1], [0.12], [0.16], [0.2]]),
    apply: speckleNoise,
  }),
  entry({
    name: 'gaussian_blur', group: 'extra', fidelity: 'exact',
    severities: sev<{ sigma: number }>(['sigma'], [[0.4], [0.6], [0.7], [0.8], [1]]),
    apply: gaussianBlur,
  }),
  entry({
    name: 'spatter', group: 'extra', fidelity: 'seeded',
    severities: sev<{ mean: number; std: number; sigma: number; threshold: number; intensity: number; mud: boolean }>(
      ['mean', 'std', 'sigma', 'threshold', 'intensity', 'mud'],
      [[0.62, 0.1, 0.7, 0.7, 0.5, false], [0.65, 0.1, 0.8, 0.7, 0.5, false], [0.65, 0.3, 1, 0.69, 0.5, false],
        [0.65, 0.1, 0.7, 0.69, 0.6, true], [0.65, 0.1, 0.5, 0.68, 0.6, true]]),
    notes: 'OpenCV Canny, distance transform and equalisation re-implemented',
    apply: spatter,
  }),
  entry({
    name: 'saturate', group: 'extra', fidelity: 'exact',
    severities: sev<{ scale: number; shift: number }>(['scale', 'shift'], [[0.3, 0], [0.1, 0], [1.5, 0], [2, 0.1], [2.5, 0.2]]),
    apply: saturate,
  }),
];

// One list of names for both layers: the dataset layer reads the released files by these names.
if (CORRUPTIONS.map((c) => c.name).join() !== CORRUPTION_NAMES.join()) throw new Error('shifts/registry.ts: CORRUPTIONS must list datasets/corruption-names.ts, name for name, in order');

export { CORRUPTION_NAMES };

export function findCorruption(name: string): CorruptionEntry | undefined {
  return CORRUPTIONS.find((c) => c.name === name);
}
