/** The provenance section: every field of the record that says what exactly was measured, and how. */
import type { BenchResults, DatasetResult, CorruptionShiftInfo, NaturalShiftInfo } from '../../results/schema.ts';
import { cleanDatasets, datasetLabel, shiftedOf, shotsLabel, sortedProbes } from '../select.ts';
import { code, defs, esc, table } from './page.ts';

const json = (v: unknown) => code(JSON.stringify(v));
const value = (v: unknown) => (Array.isArray(v) ? esc(v.join(', ')) : v !== null && typeof v === 'object' ? json(v) : esc(v === null ? '—' : v));

function datasetProvenance(ds: DatasetResult): string {
  const pairs: [string, string][] = Object.entries(ds.provenance).map(([k, v]) => [k, k === 'checksum' ? code(v) : esc(v)]);
  pairs.push(['probe pool', esc(ds.probePool)]);
  const splits = table(['split', 'identity', 'size', 'used'], Object.entries(ds.splits).map(([s, rec]) => [s, { html: code(rec!.identity) }, `${rec!.size}`, `${rec!.used}`]));
  const zs = ds.zeroShot;
  const templates = zs.available && zs.templates
    ? `<p>${zs.templates.length} zero-shot prompt template(s):</p><div class="scroll"><ol>${zs.templates.map((t) => `<li>${code(t)}</li>`).join('')}</ol></div>`
    : `<p>Zero-shot: unavailable${zs.reason ? ` (${esc(zs.reason)})` : ''}.</p>`;
  const cRows = sortedProbes(ds).flatMap((p) =>
    p.perSeed.map((s) => [shotsLabel(p.shots), `${s.seed}`, `${s.trainCount}`, `${s.valCount}`, `${Number(s.C.toPrecision(6))}`, s.cSelection ?? p.protocol?.cSelection ?? '—', `${s.sweep.length}`, p.solver]),
  );
  const cTable = cRows.length ? `<p>Chosen C per probe fit (validation sweep, then refit on train + val):</p>${table(['shots', 'seed', 'train', 'val', 'C', 'C selection', 'C values tried', 'solver'], cRows)}` : '';
  return `<h3>${esc(datasetLabel(ds))}</h3>${defs(pairs)}${splits}${templates}${cTable}`;
}

function shiftProvenance(shifted: DatasetResult[]): string {
  const corrupted = shifted.filter((d) => d.shiftInfo?.kind === 'corruption');
  const natural = shifted.filter((d) => d.shiftInfo?.kind === 'natural');
  let out = '';
  if (corrupted.length) {
    const rows = corrupted.map((d) => {
      const i = d.shiftInfo as CorruptionShiftInfo;
      return [d.shift, i.corruption, `${i.severity}`, i.seed == null ? '—' : `${i.seed}`, i.fidelity, i.group, { html: code(d.splits.test?.identity ?? '') }];
    });
    out += `<p>Shifted test sets (${esc((corrupted[0].shiftInfo as CorruptionShiftInfo).suite)}):</p><div class="scroll">${table(['shift', 'corruption', 'severity', 'seed', 'fidelity', 'group', 'test split identity'], rows)}</div>`;
  }
  if (natural.length) {
    const rows = natural.map((d) => {
      const i = d.shiftInfo as NaturalShiftInfo;
      const mapping = Object.entries(i.mapping).map(([s, t]) => `${s} ← ${t.join(' + ')}`).join('; ');
      return [d.shift, i.target, i.restricted ? `restricted to ${i.classesPresent.length} classes` : 'all classes', mapping, { html: code(d.splits.test?.identity ?? '') }];
    });
    out += `<p>Natural shifts (another dataset's images through a class map):</p><div class="scroll">${table(['shift', 'test images from', 'classifier', 'class map', 'test split identity'], rows)}</div>`;
  }
  return out;
}

export function provenanceSection(r: BenchResults): string {
  const m = r.model;
  const model = defs([
    ['reference', code(m.ref)],
    ['name', esc(m.name)],
    ['layout', esc(m.layout)],
    ['embedding dim', esc(m.embeddingDim)],
    ['text tower', esc(m.hasText ? 'yes' : 'no (image-only)')],
    ['logit scale', esc(m.logitScale)],
    ['demo model', esc(m.demo ? 'yes: trained in this repository, not CLIP' : 'no')],
    ['trained on (declared)', esc(m.trainedOn.length ? m.trainedOn.join(', ') : '—')],
    ['preprocess', json(m.preprocess)],
    ['tokenizer', json(m.tokenizer)],
  ]);
  const files = table(['role', 'path', 'bytes', 'sha256'], m.files.map((f) => [f.role, { html: code(f.path) }, `${f.bytes}`, { html: code(f.sha256) }]));
  const protocol = defs(Object.entries(r.protocol).map(([k, v]) => [k, value(v)]));
  const env = r.environment;
  const environment = defs([
    ['git commit', env.gitCommit ? code(env.gitCommit) : 'not recorded'],
    ['node', esc(env.node)],
    ['platform', esc(`${env.platform} ${env.arch}, ${env.cpus}× ${env.cpuModel}`)],
    ...Object.entries(env.packages).map(([k, v]): [string, string] => [k, esc(v)]),
  ]);
  const command = defs([
    ['run id', code(r.runId)],
    ['created', esc(r.createdAt)],
    ['command', code(r.command.argv.join(' '))],
    ['working directory', code(r.command.cwd)],
    ['timings (s)', json(r.timings)],
  ]);
  return `<h2 id="provenance">Provenance</h2>
<h3>Run</h3>${command}
<h3>Model</h3>${model}${files}
<h3>Protocol</h3>${protocol}
<h3>Environment</h3>${environment}
${cleanDatasets(r).map((ds) => datasetProvenance(ds) + shiftProvenance(shiftedOf(r, ds))).join('\n')}`;
}
