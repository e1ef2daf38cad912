/** CIFAR-10-C corruptions, re-implemented (see README.md in this folder). */
export { applyCorruption, checkCorruptible, MIN_SIDE } from './apply.ts';
export { corruptionSeed, type CorruptionKey } from './random.ts';
export { CORRUPTIONS, CORRUPTION_NAMES, SOURCE, findCorruption, type CorruptionEntry, type Fidelity } from './registry.ts';
export { parseShiftSpec, SEVERITIES, type CorruptionSpec } from './spec.ts';

/** How results made with these corruptions are labelled (see README.md: not the released CIFAR-10-C files). */
export function suiteLabel(seed: number): string {
  return `CIFAR-10-C (re-implementation, seed ${seed})`;
}
