/**
 * Shift specs: `name:severity[,name:severity…]`, `name` (its 5 severities), `corruptions` (the 15 of
 * CIFAR-10-C) or `corruptions+extra` (all 19), mixed freely and comma-separated; duplicates dropped,
 * first occurrence kept.
 */
import { UserError } from '../util/errors.ts';
import { CORRUPTIONS, CORRUPTION_NAMES, findCorruption } from './registry.ts';

export const SEVERITIES = [1, 2, 3, 4, 5] as const;

export interface CorruptionSpec {
  corruption: string;
  severity: number;
}

/** Parse a spec; `flag` names where it came from in error messages (e.g. "--shift"). */
export function parseShiftSpec(spec: string, flag = '--shift'): CorruptionSpec[] {
  const out: CorruptionSpec[] = [];
  const seen = new Set<string>();
  const add = (corruption: string, severity: number): void => {
    const key = `${corruption}:${severity}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ corruption, severity });
    }
  };
  const items = spec.split(',').map((s) => s.trim());
  if (items.every((s) => s === '')) throw new UserError(`${flag}: empty shift spec; give e.g. gaussian_noise:3, fog, corruptions or corruptions+extra`);
  for (const item of items) {
    if (item === '') throw new UserError(`${flag} '${spec}': empty item between commas`);
    if (item === 'corruptions' || item === 'corruptions+extra') {
      for (const c of CORRUPTIONS) if (item === 'corruptions+extra' || c.group === 'corruptions') for (const s of SEVERITIES) add(c.name, s);
      continue;
    }
    const m = /^([a-z_]+)(?::(.*))?$/.exec(item);
    const name = m?.[1] ?? item.split(':')[0];
    if (!m || !findCorruption(name)) {
      throw new UserError(`${flag}: unknown corruption '${name}'; known: ${CORRUPTION_NAMES.join(', ')}, or the groups corruptions, corruptions+extra`);
    }
    if (m[2] === undefined) {
      for (const s of SEVERITIES) add(name, s);
      continue;
    }
    if (!/^[1-5]$/.test(m[2])) throw new UserError(`${flag}: severity '${m[2]}' of ${name} must be an integer from 1 to 5 (e.g. ${name}:3)`);
    add(name, Number(m[2]));
  }
  return out;
}
