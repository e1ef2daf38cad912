/**
 * The results' record of how probe fits were solved and how C was searched (issue 18), and the words
 * that describe it. Lives with the schema because migrations write it for older records too.
 */

export type CSearchName = 'coop' | 'grid';
export type ProbePrecisionName = 'auto' | 'mixed' | 'float64';
/** 'more-thuente': scipy L-BFGS-B's line search and step rules (sklearn's iterates); 'nocedal-wright': the search used before (results files written before it changed lack the field). */
export type LineSearchName = 'more-thuente' | 'nocedal-wright';

export interface ProbeFitRecord {
  /** 'coop': CoOp lpclip / CLIP A.3 (7-point grid + 8 bisection steps); 'grid': the 7 grid points only (opt-in, not comparable). */
  search: CSearchName;
  /** How ties in validation accuracy are broken: CoOp's choice (the CLIP paper does not say). */
  tieRule: string;
  /**
   * 'mixed': float32 products with a float64 polish; 'float64': float64 throughout (sklearn's arithmetic);
   * 'auto': per draw, 'mixed' when its fits run on onnxruntime (AUTO_PRECISION_RULE), else 'float64'.
   */
  precision: ProbePrecisionName;
  /** Whether each fit started from the C's already fitted (interpolated in log C between two, else the nearest; the refit from the search's fit at the chosen C); 'auto': the mixed draws did. */
  warmStart: boolean;
  /** The L-BFGS line search; absent in files written before it was recorded, which ran 'nocedal-wright'. */
  lineSearch?: LineSearchName;
  /** One sentence for people. */
  description: string;
}

/** CoOp `lpclip/linear_probe.py`: np.argmax over the grid in its own order; bisection keeps the left end unless the right is strictly better. */
export const COOP_TIE_RULE =
  'CoOp lpclip: on the coarse grid the first best in CoOp\'s order [1e6, 1e4, 1e2, 1, 1e-2, 1e-4, 1e-6] (the larger C); in each bisection step the left (smaller) C unless the right is strictly better';

/** When 'auto' runs a draw 'mixed' (the words; linear-probe.ts `fitPrecision` applies it). */
export const AUTO_PRECISION_RULE = "'mixed' for a draw whose products run on onnxruntime (training rows × min(rows, dimensions) × classes ≥ 2^17 multiply-adds), 'float64' for smaller draws";

export function probeFitRecord(search: CSearchName, precision: ProbePrecisionName, lineSearch: LineSearchName = 'more-thuente'): ProbeFitRecord {
  const warmStart = precision !== 'float64';
  const ls = lineSearch === 'more-thuente' ? "scipy L-BFGS-B's Moré–Thuente line search, so sklearn's iterates" : 'a Nocedal–Wright strong-Wolfe line search';
  const mixed =
    'L-BFGS on centred row-space coordinates with float32 products and a float64 polish to sklearn\'s stopping rule (max |∇f| ≤ 1e-4), each fit warm-started from the C\'s already fitted (between two: their weights interpolated in log C; else the nearest)';
  const float64 = 'L-BFGS in float64 from a cold start for every fit (sklearn\'s LogisticRegression(solver="lbfgs", max_iter=1000) arithmetic)';
  const how = precision === 'mixed' ? mixed : precision === 'float64' ? float64 : `precision auto: ${AUTO_PRECISION_RULE}; mixed: ${mixed}; float64: ${float64}`;
  const what = search === 'coop' ? 'C searched as CoOp lpclip / CLIP A.3 (7-point grid, 8 bisection steps)' : 'C chosen on the 7-point grid only, without the bisection (opt-in --search grid: faster, not comparable to CoOp/CLIP tables)';
  return { search, tieRule: COOP_TIE_RULE, precision, warmStart, lineSearch, description: `${what}; refit on train + val at the chosen C; ${how}; ${ls}.` };
}

/** How tables and plots name a probe: "linear probe", labelled when its C came from the grid-only search. */
export function probeMethodLabel(p: { protocol?: { search?: 'grid' } }): string {
  return p.protocol?.search === 'grid' ? 'linear probe (grid-only C search)' : 'linear probe';
}

/** The note a grid-only search adds to a probe record. */
export const GRID_SEARCH_NOTE = 'C chosen on the 7-point grid only (--search grid): faster, but not the CoOp / CLIP A.3 search, so not comparable to published tables';
