import type { CompareDataset } from './compare.ts';
import type { GateResult } from './gates.ts';

interface CompareRecord {
  reference: { ref?: string; variant: string | null; name: string; files: { role: string; sha256: string; bytes: number }[] };
  candidate: { ref?: string; variant: string | null; name: string; files: { role: string; sha256: string; bytes: number }[] };
  command: { argv: string[] };
  datasets: CompareDataset[];
  gates: GateResult[];
  verdict: string;
}

const pct = (x: number) => (100 * x).toFixed(2);
const table = (header: string[], rows: string[][]) => [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** compare.md: what was compared, the paired statistics per dataset, every gate and the verdict. */
export function renderCompareMarkdown(r: CompareRecord): string {
  const exp = (e: CompareRecord['reference']) => `\`${e.ref}\`${e.variant ? ` (${e.variant})` : ''}: ${e.files.map((f) => `${f.role} \`${f.sha256.slice(0, 12)}\` ${(f.bytes / 1e6).toFixed(1)} MB`).join(', ')}`;
  const out = [`# clip-bench export comparison`, '', `- reference: ${exp(r.reference)}`, `- candidate: ${exp(r.candidate)}`, `- command: \`${r.command.argv.join(' ')}\``, ''];
  for (const d of r.datasets) {
    out.push(`## ${d.dataset} (n = ${d.n})`, '');
    const rows: string[][] = [];
    if (d.zeroShot) rows.push(['zero-shot', pct(d.zeroShot.referenceTop1), pct(d.zeroShot.candidateTop1), `${pct(d.zeroShot.delta)} [${pct(d.zeroShot.deltaCi[0])}, ${pct(d.zeroShot.deltaCi[1])}]`, d.zeroShot.agreement.toFixed(4), d.zeroShot.negativeFlipRate.toFixed(4), d.zeroShot.positiveFlipRate.toFixed(4), `${d.zeroShot.mcnemar.pValue.toPrecision(3)} (${d.zeroShot.mcnemar.method})`]);
    for (const p of d.probes)
      for (const s of p.perSeed) rows.push([`${p.shots}-shot seed ${s.seed}`, pct(s.referenceTop1), pct(s.candidateTop1), `${pct(s.delta)} [${pct(s.deltaCi[0])}, ${pct(s.deltaCi[1])}]`, s.agreement.toFixed(4), s.negativeFlipRate.toFixed(4), s.positiveFlipRate.toFixed(4), `${s.mcnemar.pValue.toPrecision(3)} (${s.mcnemar.method})`]);
    out.push(table(['classifier', 'reference top-1 %', 'candidate top-1 %', 'Δ points [95% CI]', 'agreement', 'negative flips', 'positive flips', 'McNemar p'], rows), '');
    if (d.zeroShot?.top5Overlap != null) out.push(`Zero-shot top-5 overlap (mean shared fraction of the two top-5 lists): ${d.zeroShot.top5Overlap.toFixed(4)}.`, '');
    if (d.embeddings)
      out.push(`Image-embedding cosine: min ${d.embeddings.imageCosine.min.toFixed(5)}, 1st percentile ${d.embeddings.imageCosine.p01.toFixed(5)}, mean ${d.embeddings.imageCosine.mean.toFixed(5)}; SQNR ${d.embeddings.imageSqnrDb.toFixed(1)} dB.${d.embeddings.textCosine ? ` Class text-embedding cosine: min ${d.embeddings.textCosine.min.toFixed(5)}, mean ${d.embeddings.textCosine.mean.toFixed(5)}; max |Δ logit| ${d.embeddings.maxAbsLogitDelta?.toFixed(4) ?? 'not measured'}.` : ''}`, '');
    else out.push(`Embedding statistics not measured: ${d.embeddingsUnavailable}.`, '');
  }
  out.push('## Gates', '', table(['gate', 'where', 'measured', 'limit', 'result'], r.gates.map((g) => [g.gate, g.where, g.measured === null ? `not measured (${g.note})` : g.measured.toFixed(4), String(g.limit), g.passed ? 'pass' : '**FAIL**'])), '', r.verdict, '');
  return out.join('\n');
}
