/**
 * "Same results" for a sharded run against an unsharded --no-cache run: the exported feature files are
 * bit-identical, and results.json's datasets are equal in everything but timings and cache bookkeeping
 * (accuracies, intervals, chosen C, per-seed results). Used by test/features/sharded-extraction.test.ts
 * and, as a script, by deploy/slurm/e2e.sh:  tsx test/helpers/same-results.ts <run A> <run B> [<features A> <features B>]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** results.json's datasets without what differs between equal runs. */
export function resultNumbers(runDir: string): string {
  return JSON.stringify(JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')).datasets, (k, v) => (['seconds', 'timings', 'featureCache'].includes(k) ? undefined : v));
}

/** The .npy files under two --export-features directories (per dataset) that differ or exist on one side only. */
export function differingFeatureFiles(a: string, b: string): string[] {
  const files = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.npy')).sort();
  const fa = files(a);
  const fb = files(b);
  const out = [...fa.filter((f) => !fb.includes(f)), ...fb.filter((f) => !fa.includes(f))];
  for (const f of fa.filter((x) => fb.includes(x))) if (!readFileSync(join(a, f)).equals(readFileSync(join(b, f)))) out.push(f);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [runA, runB, featA, featB] = process.argv.slice(2);
  const problems: string[] = [];
  const a = resultNumbers(runA);
  if (!a.includes('"top1"')) problems.push(`${runA}/results.json holds no top1 accuracy`);
  if (a !== resultNumbers(runB)) problems.push(`results.json differs between ${runA} and ${runB} (beyond timings and cache bookkeeping)`);
  if (featA && featB) {
    const diff = differingFeatureFiles(featA, featB);
    if (diff.length) problems.push(`exported features differ: ${diff.join(', ')}`);
    if (readdirSync(featA, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.npy')).length === 0) problems.push(`no .npy files under ${featA}`);
  }
  for (const p of problems) console.error(p);
  process.exit(problems.length ? 1 : 0);
}
