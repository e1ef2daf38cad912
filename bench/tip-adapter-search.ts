/**
 * Tip-Adapter's full α/β search (the original's 200 β × 20 α = 4,000 pairs) on validation rows of a
 * 1,000-class, 16-shot, 512-d draw (ImageNet-sized: 16,000 cache keys, 4 validation rows per class as
 * CoOp lpclip draws them). Target (issue 19): ≤ 30 s per seed. Synthetic unit features: the cost does
 * not depend on their values much (the search's bounds skip more classes on real features: see docs/methods.md). Also times scoring the chosen pair on 10,000 test rows.
 *
 *   npx tsx bench/tip-adapter-search.ts [classes] [shots] [dim]
 */
import { searchTipAdapter, tipAdapterLogits, type TipHead } from '../src/evaluation/methods/tip-adapter.ts';
import { l2NormalizeRows } from '../src/evaluation/normalize.ts';
import { Rng } from '../src/util/rng.ts';
import { loadavg } from 'node:os';

const [K, shots, d] = [Number(process.argv[2] ?? 1000), Number(process.argv[3] ?? 16), Number(process.argv[4] ?? 512)];
const valPerClass = Math.min(shots, 4);
const rng = new Rng(1);
const unit = (n: number) => l2NormalizeRows(Float32Array.from({ length: n * d }, () => rng.normal()), n, d);
const N = K * shots;
const head: TipHead = { cache: { keys: unit(N), labels: Int32Array.from({ length: N }, (_, i) => Math.floor(i / shots)), N }, W: unit(K), scale: 100, K, d };
const nVal = K * valPerClass;
const val = { X: unit(nVal), y: Int32Array.from({ length: nVal }, (_, i) => i % K), n: nVal };
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const r = searchTipAdapter(head, val);
const search = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const searchCpu = (cpu.user + cpu.system) / 1e6;
const nTest = 10_000;
const t1 = performance.now();
tipAdapterLogits(head, unit(nTest), nTest, r.alpha, r.beta);
const score = (performance.now() - t1) / 1000;
console.log(`tip-adapter search: ${K} classes × ${shots} shots (${N} keys), ${d}-d, ${nVal} validation rows, 4,000 (β, α) pairs: ${search.toFixed(1)} s wall, ${searchCpu.toFixed(1)} s CPU (target ≤ 30 s; chose β ${r.beta.toFixed(4)}, α ${r.alpha.toFixed(4)}); scoring 10,000 test rows: ${score.toFixed(1)} s; 1-min load ${loadavg()[0].toFixed(2)}`);
