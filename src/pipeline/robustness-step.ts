import { shiftEstimates, unpairedShiftEstimates } from '../evaluation/estimates.ts';
import { corruptionSummary, effectiveRobustness } from '../evaluation/robustness.ts';
import type { Shots } from '../evaluation/linear-probe.ts';
import type { DatasetResult, Estimate, RobustnessMethod, RobustnessRecord } from '../results/schema.ts';
import { deriveSeed } from '../util/rng.ts';
import { BOOTSTRAP_SEED } from './record.ts';

/** An estimate with undefined parts (a ratio over a clean accuracy of 0) stored as null, as JSON would. */
const finite = (e: Estimate): Estimate => {
  const f = (x: number) => (Number.isFinite(x) ? x : null) as number;
  return { mean: f(e.mean), std: f(e.std), ci: [f(e.ci[0]), f(e.ci[1])] };
};

/** Per-example outcomes on one test set: zero-shot's, each probe's per seed, and each --methods method's per shots and seed. */
export interface TestSetOutcome {
  zeroShot: Uint8Array | null;
  probes: Map<Shots, Uint8Array[]>;
  methods?: Map<string, Map<Shots, Uint8Array[]>>;
}

export interface ShiftOutcome extends TestSetOutcome {
  shift: string;
  /** Corruption shifts only (natural ones have no severity). */
  corruption?: string;
  severity?: number;
  group?: 'corruptions' | 'extra';
}

/**
 * How zero-shot and every adapted probe hold up across the shifted test sets of one dataset: accuracy
 * per shift with the paired drop and retained fraction, corruption summaries, and zero-shot's effective
 * robustness against the probes' logit-linear trend (CLIP Fig. 13/14 on the user's data). Every --methods
 * method is summarised the same way (the trend stays the probes').
 */
export function robustnessRecord(args: {
  ds: string;
  suite: string;
  clean: DatasetResult;
  cleanOutcome: TestSetOutcome;
  outcomes: ShiftOutcome[];
  /** The shifted records, in `outcomes` order. */
  records: DatasetResult[];
  bootstrapResamples: number;
}): RobustnessRecord {
  const { ds, clean, cleanOutcome, outcomes, records } = args;
  const method = (name: string, shots: Shots | null, cleanTop1: number, cleanCorrect: Uint8Array[], shifted: (i: number) => { top1: number; correct: Uint8Array[] }): RobustnessMethod => {
    const perShift = outcomes.map((o, i) => {
      const s = shifted(i);
      const seed = deriveSeed(BOOTSTRAP_SEED, `${ds}/${o.shift}/${name}/${shots ?? ''}/shift`);
      // Corruptions shift the same rows (paired); a natural shift brings other images (unpaired).
      const est = o.corruption ? shiftEstimates(cleanCorrect, s.correct, seed, args.bootstrapResamples) : unpairedShiftEstimates(cleanCorrect, s.correct, seed, args.bootstrapResamples);
      return { shift: o.shift, top1: s.top1, drop: finite(est.drop), retained: finite(est.retained) };
    });
    const meanShifted = perShift.reduce((a, p) => a + p.top1, 0) / perShift.length;
    return {
      method: name,
      shots,
      clean: cleanTop1,
      meanShifted,
      meanDrop: meanShifted - cleanTop1,
      meanRetained: cleanTop1 > 0 ? meanShifted / cleanTop1 : null,
      perShift,
      corruptions: outcomes.every((o) => o.corruption)
        ? corruptionSummary(outcomes.map((o, i) => ({ corruption: o.corruption!, severity: o.severity!, group: o.group!, top1: perShift[i].top1 })))
        : null,
    } as RobustnessMethod;
  };

  const methods: RobustnessMethod[] = [];
  if (cleanOutcome.zeroShot && clean.zeroShot.top1)
    methods.push(method('zero-shot', null, clean.zeroShot.top1.mean, [cleanOutcome.zeroShot], (i) => ({ top1: records[i].zeroShot.top1!.mean, correct: [outcomes[i].zeroShot!] })));
  for (const p of clean.probes) {
    const cleanCorrect = cleanOutcome.probes.get(p.shots)!;
    methods.push(
      method('linear probe', p.shots, p.top1.mean, cleanCorrect, (i) => ({ top1: records[i].probes.find((q) => q.shots === p.shots)!.top1.mean, correct: outcomes[i].probes.get(p.shots)! })),
    );
  }
  // Every --methods method (its pick on validation), from the same per-row outcomes as the probes.
  for (const mr of clean.methods ?? [])
    for (const ms of mr.shots) {
      const cleanCorrect = cleanOutcome.methods?.get(mr.method)?.get(ms.shots);
      if (!cleanCorrect) continue;
      methods.push(
        method(mr.method, ms.shots, ms.top1.mean, cleanCorrect, (i) => ({
          top1: records[i].methods!.find((q) => q.method === mr.method)!.shots.find((q) => q.shots === ms.shots)!.top1.mean,
          correct: outcomes[i].methods!.get(mr.method)!.get(ms.shots)!,
        })),
      );
    }
  const zs = methods.find((m) => m.method === 'zero-shot');
  const baselines = methods.filter((m) => m.method === 'linear probe').map((m) => ({ clean: m.clean, shifted: m.meanShifted }));
  return {
    dataset: ds,
    suite: args.suite,
    shifts: outcomes.map((o) => o.shift),
    methods,
    effectiveRobustness: zs ? effectiveRobustness(baselines, { clean: zs.clean, shifted: zs.meanShifted }) : null,
  };
}
