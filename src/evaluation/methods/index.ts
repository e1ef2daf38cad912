/**
 * Methods: one file per way of turning a k-shot draw and the zero-shot head into a scorer (method.ts says what
 * one is); a new method is a new file here plus one line in METHODS, with its name, description and grid.
 */
import { LINEAR_PROBE } from './linear-probe.ts';
import type { Method } from './method.ts';
import { ZERO_SHOT } from './zero-shot.ts';

export type { FittedMethod, LabelledRows, Method, MethodInputs, ZeroShotHeadInput } from './method.ts';

/** Every method, in the order results and reports list them. */
export const METHODS: readonly Method[] = [ZERO_SHOT, LINEAR_PROBE];

export const findMethod = (name: string): Method | undefined => METHODS.find((m) => m.name === name);
