/**
 * Report pieces of --task retrieval records: a tidy CSV (metric names as CLIP_benchmark's where it has them),
 * the recall@k curve, per-class AP bars, and the HTML section. Read only from the results record.
 */
import type { BenchResults, RetrievalRecord } from '../results/schema.ts';
import { perClassRetrievalRows, RETRIEVAL_HEADER, retrievalLabel, retrievalRows, retrievalTitle } from '../results/retrieval-table.ts';
import { recordCurves, renderApBars, renderRecallCurves } from './charts/retrieval-charts.ts';
import type { Cell } from './csv.ts';
import type { Plot } from './plot.ts';
import { colorAt } from './style.ts';
import { esc, figures, table } from './html/page.ts';
import { slug } from './select.ts';

export const RETRIEVAL_COLUMNS = ['run_id', 'model', 'dataset', 'kind', 'shift', 'query', 'metric', 'value', 'ci_low', 'ci_high'] as const;

export function retrievalRecords(r: BenchResults): Record<string, Cell>[] {
  const rows: Record<string, Cell>[] = [];
  for (const rec of r.retrieval ?? []) {
    const base = { run_id: r.runId, model: r.model.name, dataset: rec.dataset, kind: rec.kind, shift: rec.shift };
    for (const [metric, e] of Object.entries(rec.metrics)) rows.push({ ...base, query: 'all', metric, value: e.mean, ci_low: e.ci[0], ci_high: e.ci[1] });
    for (const c of rec.perClass ?? []) {
      rows.push({ ...base, query: c.class, metric: 'AP', value: c.ap.mean, ci_low: c.ap.ci[0], ci_high: c.ap.ci[1] });
      rec.ks.forEach((k, x) => {
        rows.push({ ...base, query: c.class, metric: `precision@${k}`, value: c.precisionAt[x].mean, ci_low: c.precisionAt[x].ci[0], ci_high: c.precisionAt[x].ci[1] });
        rows.push({ ...base, query: c.class, metric: `recall@${k}`, value: c.recallAt[x].mean, ci_low: c.recallAt[x].ci[0], ci_high: c.recallAt[x].ci[1] });
      });
    }
  }
  return rows;
}

export const recordSlug = (rec: RetrievalRecord) => slug(`${rec.dataset}${rec.shift !== 'none' ? `-${rec.shift}` : ''}`);

/** What a record scored, for subtitles. */
export const retrievalSize = (rec: RetrievalRecord) => (rec.kind === 'caption' ? `${rec.captions} captions × ${rec.images} images` : `${rec.queries} class queries × ${rec.images} test images`);

export function retrievalPlots(r: BenchResults): Plot[] {
  const model = `${r.model.name}${r.model.demo ? ' (demo model, not CLIP)' : ''}`;
  const plots: Plot[] = [];
  for (const rec of r.retrieval ?? []) {
    const s = recordSlug(rec);
    const label = retrievalLabel(rec);
    const recall = renderRecallCurves(`${label}: ${rec.kind === 'caption' ? 'recall@k' : 'recall@k and precision@k'}`, [`${model}; ${retrievalSize(rec)}`], recordCurves(rec, colorAt));
    plots.push({ file: `${s}-retrieval-recall.png`, dataset: `retrieval:${s}`, caption: `${label}: recall@k`, png: recall });
    const pc = rec.perClass ?? [];
    if (pc.length) {
      const ap = renderApBars(`${label}: average precision per class query`, [`${model}; mAP ${(100 * rec.metrics.mAP.mean).toFixed(1)}%`], pc.map((c) => c.class), [{ name: model, color: colorAt(0), ap: pc.map((c) => c.ap) }]);
      plots.push({ file: `${s}-retrieval-ap.png`, dataset: `retrieval:${s}`, caption: `${label}: AP per class query`, png: ap });
    }
  }
  return plots;
}

/** The report.html section of every retrieval record (empty when the run has none). */
export function retrievalHtml(r: BenchResults, plots: Plot[]): string {
  const recs = r.retrieval ?? [];
  if (!recs.length) return '';
  const defs =
    '<p>Caption retrieval follows CLIP_benchmark\'s <code>zeroshot_retrieval</code>: <code>image_retrieval_recall@k</code> is the share of captions whose image is among the k images scoring highest for it; <code>text_retrieval_recall@k</code> the share of images with at least one of their captions among the k highest-scoring captions; the median rank is that of the first relevant item. Class retrieval: each class\'s prompt ensemble is a query over the test images, its images relevant; AP per class, mAP and macro P@k, R@k. 95% percentile-bootstrap CIs over queries (captions, images) or, for class retrieval, over test images.</p>';
  return `<h2 id="retrieval">Retrieval</h2>${defs}${recs
    .map((rec) => {
      const pc = perClassRetrievalRows(rec);
      return `<h3 id="retrieval-${esc(recordSlug(rec))}">${esc(retrievalTitle(rec, r.model.name))}</h3>
<p>Source ${esc(rec.provenance.source)}.</p>
${table(RETRIEVAL_HEADER, retrievalRows(rec))}
${figures(plots.filter((p) => p.dataset === `retrieval:${recordSlug(rec)}`))}
${pc.rows.length ? `<h4>Per class query</h4><div class="scroll">${table(pc.header, pc.rows)}</div>` : ''}`;
    })
    .join('\n')}`;
}
