/** CIFAR-10-C corruptions, re-implemented (see README.md in this folder). */
export { applyCorruption, checkCorruptible, MIN_SIDE } from './apply.ts';
export { corruptionSeed, type CorruptionKey } from './random.ts';
export { CORRUPTIONS, CORRUPTION_NAMES, SOURCE, findCorruption, type CorruptionEntry, type Fidelity } from './registry.ts';
export { parseShiftSpec, SEVERITIES, type CorruptionSpec } from './spec.ts';
