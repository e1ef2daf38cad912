/**
 * Tidy tables (one observation per row, one variable per column; Wickham 2014) from a results
 * record: `results.csv` has one row per model × dataset × shift × method × shots, `results-per-seed.csv`
 * one row per fitted classifier. Values are copied from the record, accuracies as fractions in [0, 1].
 */
import type { BenchResults, DatasetResult, Estimate } from '../results/schema.ts';
import { formatNumber, type Cell } from './csv.ts';
import { sortedProbes } from './select.ts';

export const SUMMARY_COLUMNS = [
  'run_id', 'model', 'model_sha256', 'demo_model', 'dataset', 'shift', 'classes', 'method', 'shots', 'seeds', 'n_seeds', 'n_test',
  'top1_mean', 'top1_std', 'top1_ci_low', 'top1_ci_high', 'top5_mean', 'top5_ci_low', 'top5_ci_high',
  'balanced_accuracy_mean', 'balanced_accuracy_std', 'balanced_accuracy_ci_low', 'balanced_accuracy_ci_high',
  'c_selection', 'c_min', 'c_max', 'c_per_seed', 'distinct_draws', 'effective_shots', 'train_count', 'short_classes', 'in_domain', 'templates', 'limit', 'break_even_shots',
  'hyperparameters',
] as const;

export const PER_SEED_COLUMNS = [
  'run_id', 'model', 'dataset', 'shift', 'method', 'shots', 'seed', 'n_test', 'train_count', 'val_count', 'c_selection', 'c',
  'top1', 'top5', 'balanced_accuracy', 'fit_seconds',
  'selection', 'hyperparameters',
] as const;

type Row = Record<string, Cell>;

const est = (prefix: string, e: Estimate | null | undefined, withStd = true): Row =>
  e
    ? { [`${prefix}_mean`]: e.mean, ...(withStd ? { [`${prefix}_std`]: e.std } : {}), [`${prefix}_ci_low`]: e.ci[0], [`${prefix}_ci_high`]: e.ci[1] }
    : {};

function common(r: BenchResults, ds: DatasetResult): Row {
  return {
    run_id: r.runId,
    model: r.model.name,
    model_sha256: r.model.files.map((f) => `${f.role}:${f.sha256}`).join(' '),
    demo_model: r.model.demo,
    dataset: ds.name,
    shift: ds.shift,
    classes: ds.classes.length,
    seeds: r.protocol.seeds.join(' '),
    limit: r.protocol.limit,
  };
}

export function summaryRecords(r: BenchResults): Row[] {
  const rows: Row[] = [];
  for (const ds of r.datasets) {
    const base = common(r, ds);
    const zs = ds.zeroShot;
    if (zs.available && zs.metrics && zs.top1) {
      rows.push({
        ...base,
        method: 'zero-shot',
        shots: 0,
        seeds: '',
        n_seeds: 0,
        n_test: zs.metrics.n,
        ...est('top1', zs.top1),
        top5_mean: zs.metrics.top5,
        ...est('balanced_accuracy', zs.balancedAccuracy),
        in_domain: zs.inDomain ?? false,
        templates: zs.templates?.length ?? 0,
        break_even_shots: ds.breakEvenShots,
      });
    }
    for (const p of sortedProbes(ds)) {
      const cs = p.perSeed.map((s) => s.C);
      rows.push({
        ...base,
        method: 'linear-probe',
        shots: p.shots,
        seeds: p.perSeed.map((s) => s.seed).join(' '),
        n_seeds: p.perSeed.length,
        n_test: p.perSeed[0].metrics.n,
        ...est('top1', p.top1),
        ...est('top5', p.top5, false),
        ...est('balanced_accuracy', p.balancedAccuracy),
        c_selection: p.protocol?.cSelection,
        c_min: Math.min(...cs),
        c_max: Math.max(...cs),
        c_per_seed: cs.map(formatNumber).join(' '),
        distinct_draws: p.protocol?.distinctDraws,
        effective_shots: p.effectiveShots,
        train_count: p.perSeed[0].trainCount,
        short_classes: p.shortClasses.length,
      });
    }
    for (const m of ds.methods ?? [])
      for (const p of m.shots)
        rows.push({
          ...base,
          method: m.method,
          shots: p.shots,
          seeds: p.perSeed.map((s) => s.seed).join(' '),
          n_seeds: p.perSeed.length,
          n_test: p.perSeed[0].metrics.n,
          ...est('top1', p.top1),
          ...est('top5', p.top5, false),
          ...est('balanced_accuracy', p.balancedAccuracy),
          effective_shots: p.effectiveShots,
          train_count: p.perSeed[0].trainCount,
          break_even_shots: m.breakEvenShots,
          hyperparameters: p.perSeed.map((s) => hyperparameterCell(s.hyperparameters)).join(' | '),
        });
  }
  return rows;
}

/** "alpha=1.2;beta=3.5": one seed's chosen hyperparameters in a CSV cell. */
const hyperparameterCell = (h: Record<string, number>) => Object.entries(h).map(([k, v]) => `${k}=${formatNumber(v)}`).join(';');

export function perSeedRecords(r: BenchResults): Row[] {
  const rows: Row[] = [];
  for (const ds of r.datasets) {
    const base = { run_id: r.runId, model: r.model.name, dataset: ds.name, shift: ds.shift };
    const zs = ds.zeroShot;
    if (zs.available && zs.metrics) {
      const m = zs.metrics;
      rows.push({ ...base, method: 'zero-shot', shots: 0, n_test: m.n, top1: m.top1, top5: m.top5, balanced_accuracy: m.balancedAccuracy, fit_seconds: zs.seconds });
    }
    for (const p of sortedProbes(ds)) {
      for (const s of p.perSeed) {
        const m = s.metrics;
        rows.push({
          ...base, method: 'linear-probe', shots: p.shots, seed: s.seed, n_test: m.n, train_count: s.trainCount, val_count: s.valCount, c_selection: s.cSelection, c: s.C,
          top1: m.top1, top5: m.top5, balanced_accuracy: m.balancedAccuracy, fit_seconds: s.seconds,
        });
      }
    }
    for (const meth of ds.methods ?? [])
      for (const p of meth.shots)
        for (const s of p.perSeed) {
          const m = s.metrics;
          rows.push({
            ...base, method: meth.method, shots: p.shots, seed: s.seed, n_test: m.n, train_count: s.trainCount, val_count: s.valCount,
            top1: m.top1, top5: m.top5, balanced_accuracy: m.balancedAccuracy, fit_seconds: s.seconds, selection: s.selection, hyperparameters: hyperparameterCell(s.hyperparameters),
          });
        }
  }
  return rows;
}
