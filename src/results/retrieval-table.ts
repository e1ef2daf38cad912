/** Console/markdown rows of --task retrieval records: one row per metric, value and 95% CI, in %. */
import type { RetrievalRecord, ValueEstimate } from './schema.ts';

export const RETRIEVAL_HEADER = ['metric', 'value', '95% CI'];

const isRank = (name: string) => name.endsWith('median_rank');
const fmt = (name: string, x: number) => (isRank(name) ? x.toFixed(1) : `${(100 * x).toFixed(1)}%`);

export function retrievalRows(r: RetrievalRecord): string[][] {
  return Object.entries(r.metrics).map(([name, e]: [string, ValueEstimate]) => [name, fmt(name, e.mean), `[${fmt(name, e.ci[0])}, ${fmt(name, e.ci[1])}]`]);
}

/** A record's test set: the dataset, with its --shift in brackets when the images were corrupted. */
export const retrievalLabel = (r: Pick<RetrievalRecord, 'dataset' | 'shift'>) => (r.shift === 'none' ? r.dataset : `${r.dataset} [shift: ${r.shift}]`);

/** The heading line of one record. */
export function retrievalTitle(r: RetrievalRecord, model: string): string {
  const what = r.kind === 'class' ? `class retrieval, ${r.queries} class queries over ${r.images} test images` : `caption retrieval, ${r.captions} captions × ${r.images} images`;
  return `${retrievalLabel(r)} — ${model}, ${what}`;
}

/** Per-class rows (class retrieval): AP and the first P@k / R@k columns. */
export function perClassRetrievalRows(r: RetrievalRecord): { header: string[]; rows: string[][] } {
  const ks = r.ks;
  const header = ['class', 'images', 'AP %', ...ks.map((k) => `P@${k} %`), ...ks.map((k) => `R@${k} %`)];
  const p = (e: ValueEstimate) => (Number.isFinite(e.mean) ? (100 * e.mean).toFixed(1) : '—');
  const rows = (r.perClass ?? []).map((c) => [c.class, String(c.relevant), p(c.ap), ...c.precisionAt.map(p), ...c.recallAt.map(p)]);
  return { header, rows };
}
