/**
 * Methods: one file per way of turning a k-shot draw and the zero-shot head into a scorer (types.ts says what
 * one is); a new method is a new file here plus one entry in registry.ts's METHODS, with its name, description and grid.
 */
export { DEFAULT_METHODS, findMethod, METHODS, parseMethods, type MethodEntry } from './registry.ts';
export type { FewShotMethod, FeatureRows, MethodContext, Scorer } from './types.ts';
