/**
 * Difference of two independent estimates, a − b, with an approximate 95% interval from their own
 * intervals by MOVER (Zou & Donner 2008, "Construction of confidence limits about effect measures"):
 * L = d − √((a − a_lo)² + (b_hi − b)²), U = d + √((a_hi − a)² + (b − b_lo)²). It treats the two as
 * independent; on the same test images they are positively correlated, so the interval is wide.
 */
import type { Estimate } from '../results/schema.ts';

export interface Delta {
  mean: number;
  ci: [number, number];
}

export function deltaOf(a: Estimate, b: Estimate): Delta {
  const d = a.mean - b.mean;
  return {
    mean: d,
    ci: [d - Math.hypot(a.mean - a.ci[0], b.ci[1] - b.mean), d + Math.hypot(a.ci[1] - a.mean, b.mean - b.ci[0])],
  };
}
