/**
 * Results files of older schema versions are lifted to the current one before use, so old runs keep
 * reporting; newer or unknown versions are refused by name.
 *
 * History:
 * - v1: the first schema.
 * - v2: each dataset record gains `outcomes` (per-example test indices, labels, zero-shot top-5 and
 *   every probe's predictions, packed; see packed.ts) so `compare` can reuse a run. A v1 file lifts to
 *   v2 with `outcomes: null`: it still reports, but cannot stand in for a model in `compare`.
 * - v3: optional `task` ('classification' | 'retrieval') and `retrieval` (RetrievalRecord[]); `datasets` may
 *   be empty (a retrieval-only run). Nothing else changed, so a v2 file lifts by its version number alone.
 * - v4: each dataset record gains `methods` (the few-shot methods of --methods: per shot count, per-seed
 *   metrics and chosen hyperparameters, CIs, WiSE's α curve, a break-even per method). A v3 file lifts
 *   to v4 with `methods: []` (only zero-shot and the linear probe ran then).
 * - v5: the protocol gains `probeFit` (issue 18): the C search, its tie rule, the fit's precision and
 *   warm starts. Every earlier run searched as CoOp with float64 cold-start fits, so a v4 lbfgs record lifts
 *   to exactly that; a solver that ignores C lifts to null.
 */
import { UserError } from '../util/errors.ts';
import { probeFitRecord } from './probe-fit.ts';
import { RESULTS_SCHEMA_ID, RESULTS_SCHEMA_VERSION } from './schema.ts';

type Record_ = Record<string, unknown>;

/** Upgrades from schemaVersion v to v + 1. */
const MIGRATIONS: Record<number, (record: Record_) => Record_> = {
  1: (r) => ({ ...r, schemaVersion: 2, datasets: Array.isArray(r.datasets) ? r.datasets.map((d: Record_) => ({ ...d, outcomes: null })) : r.datasets }),
  2: (r) => ({ ...r, schemaVersion: 3 }),
  3: (r) => ({ ...r, schemaVersion: 4, datasets: Array.isArray(r.datasets) ? r.datasets.map((d: Record_) => ({ ...d, methods: [] })) : r.datasets }),
  4: (r) => {
    const protocol = (r.protocol ?? {}) as Record_;
    return { ...r, schemaVersion: 5, protocol: { ...protocol, probeFit: protocol.probeFit ?? (protocol.solver === 'lbfgs' ? probeFitRecord('coop', 'float64', 'nocedal-wright') : null) } };
  },
};

/**
 * v5 files written before the line search was recorded (issue 18's scipy line search) lack
 * `probeFit.lineSearch`; they ran the Nocedal–Wright search, which this names. A field added within v5
 * (optional), so no version bump.
 */
function nameLineSearch(r: Record_): Record_ {
  const protocol = r.protocol as Record_ | undefined;
  const fit = protocol?.probeFit as Record_ | null | undefined;
  if (!fit || fit.lineSearch !== undefined) return r;
  const lineSearch = 'nocedal-wright';
  return { ...r, protocol: { ...protocol, probeFit: { ...fit, lineSearch, description: `${String(fit.description ?? '').replace(/\.$/, '')}; a Nocedal–Wright strong-Wolfe line search.` } } };
}

/** A parsed results file at the current schemaVersion; anything that is not a clip-bench record passes through to validation. */
export function migrateResults(value: unknown, path: string): unknown {
  if (value === null || typeof value !== 'object' || (value as Record_).schema !== RESULTS_SCHEMA_ID) return value;
  let record = value as Record_;
  const declared = record.schemaVersion;
  if (typeof declared !== 'number' || !Number.isInteger(declared)) throw new UserError(`${path}: "schemaVersion" is missing or not an integer; this is not a results file clip-bench wrote`);
  let v: number = declared;
  if (v > RESULTS_SCHEMA_VERSION) throw new UserError(`${path}: schemaVersion ${v} is newer than this clip-bench reads (${RESULTS_SCHEMA_VERSION}); update clip-bench (git pull && npm ci)`);
  while (v < RESULTS_SCHEMA_VERSION) {
    const step = MIGRATIONS[v];
    if (!step) throw new UserError(`${path}: unknown schemaVersion ${v} (this clip-bench reads ${RESULTS_SCHEMA_VERSION}); rerun the bench that wrote it`);
    record = step(record);
    v = record.schemaVersion as number;
  }
  return nameLineSearch(record);
}
