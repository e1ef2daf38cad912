/**
 * L-BFGS curvature pairs in the compact representation (Byrd, Nocedal & Schnabel, "Representations of
 * quasi-Newton matrices and their use in limited memory methods", Math. Prog. 63, 1994, Theorem 2.2; the
 * form L-BFGS-B itself uses), with the pairs stored in float32 and the two long products on onnxruntime:
 *
 *   H g = γ g + S·u − γ Y·t,   t = R⁻¹ Sᵀg,   u = R⁻ᵀ((D + γ YᵀY) t − γ Yᵀg)
 *
 * with R the upper triangle of SᵀY (pairs oldest first), D its diagonal and γ = sᵀy / yᵀy of the newest
 * pair. Per iteration that is one pass over the history for Sᵀg, Yᵀg and the newest y's products with the
 * stored pairs, and one for the combination, against the two-loop recursion's 2m passes over float64
 * parameters: at 476k parameters × 10 pairs about 9 ms instead of 25 ms (quickdraw 4-shot). Used by the
 * float32 phase of a mixed-precision fit only (solver.ts), whose products already carry float32 rounding;
 * the float64 path keeps the two-loop recursion and scipy's iterates.
 */
import { GraphBuilder } from '../../model/onnx/builder.ts';
import { float32Threads, loadOrt, nativeSession, type NativeSession } from './ort-native.ts';

export class CompactHistory {
  /** Pairs stored (≤ memory); slots 0..count−1 hold them (the ring restarts at slot 0 after `clear`). */
  count = 0;
  private head = 0;
  /** Row 2i is s of slot i, row 2i + 1 its y, float32. */
  private readonly rows: Float32Array;
  /** sᵢᵀyⱼ and yᵢᵀyⱼ by slot. */
  private readonly SY: Float64Array;
  private readonly YY: Float64Array;
  /** The newest pair, whose products with the other pairs the next `direction` call computes. */
  private pending = -1;
  private readonly rhs: Float32Array;
  private readonly coef: Float32Array;

  constructor(
    readonly n: number,
    readonly memory = 10,
  ) {
    this.rows = new Float32Array(2 * memory * n);
    this.SY = new Float64Array(memory * memory);
    this.YY = new Float64Array(memory * memory);
    this.rhs = new Float32Array(2 * n);
    this.coef = new Float32Array(2 * memory);
  }

  /** Stores a pair (the caller has checked sᵀy > eps·yᵀy), replacing the oldest when full. */
  push(s: Float64Array, y: Float64Array, sTy: number, yTy: number): void {
    const h = this.head;
    const n = this.n;
    const so = 2 * h * n;
    for (let i = 0; i < n; i++) {
      this.rows[so + i] = s[i];
      this.rows[so + n + i] = y[i];
    }
    this.SY[h * this.memory + h] = sTy;
    this.YY[h * this.memory + h] = yTy;
    this.pending = h;
    this.head = (h + 1) % this.memory;
    this.count = Math.min(this.count + 1, this.memory);
  }

  clear(): void {
    this.count = 0;
    this.head = 0;
    this.pending = -1;
  }

  /** p = −H·g; returns gᵀp (summed in float64). */
  direction(g: Float64Array, p: Float64Array): number {
    const { n, count, memory: m } = this;
    if (count === 0) {
      let gp = 0;
      for (let i = 0; i < n; i++) {
        p[i] = -g[i];
        gp -= g[i] * g[i];
      }
      return gp;
    }
    // One pass over the stored rows: each row's product with g and with the newest y.
    const rhs = this.rhs;
    for (let i = 0; i < n; i++) rhs[i] = g[i];
    const h = this.pending;
    if (h >= 0) rhs.set(this.rows.subarray((2 * h + 1) * n, (2 * h + 2) * n), n);
    const dots = this.products(2 * count, rhs);
    if (h >= 0) {
      for (let i = 0; i < count; i++) {
        if (i === h) continue;
        this.SY[i * m + h] = dots[4 * i + 1];
        this.YY[i * m + h] = this.YY[h * m + i] = dots[4 * i + 3];
      }
      this.pending = -1;
    }
    // Oldest first.
    const order = Array.from({ length: count }, (_, k) => (this.head - count + k + m) % m);
    const newest = order[count - 1];
    const gamma = this.SY[newest * m + newest] / this.YY[newest * m + newest];
    const R = (k: number, l: number) => this.SY[order[k] * m + order[l]];
    // t = R⁻¹ a (back substitution), a = Sᵀg.
    const t = new Float64Array(count);
    for (let k = count - 1; k >= 0; k--) {
      let v = dots[4 * order[k]];
      for (let l = k + 1; l < count; l++) v -= R(k, l) * t[l];
      t[k] = v / R(k, k);
    }
    // w = (D + γ YᵀY) t − γ b, b = Yᵀg; u = R⁻ᵀ w (forward substitution).
    const u = new Float64Array(count);
    for (let k = 0; k < count; k++) {
      let v = R(k, k) * t[k] - gamma * dots[4 * order[k] + 2];
      for (let l = 0; l < count; l++) v += gamma * this.YY[order[k] * m + order[l]] * t[l];
      for (let l = 0; l < k; l++) v -= R(l, k) * u[l];
      u[k] = v / R(k, k);
    }
    // p = −γ g − S u + γ Y t.
    const coef = this.coef;
    for (let k = 0; k < count; k++) {
      coef[2 * order[k]] = -u[k];
      coef[2 * order[k] + 1] = gamma * t[k];
    }
    const comb = this.combine(2 * count);
    let gp = 0;
    for (let i = 0; i < n; i++) {
      const v = (p[i] = comb[i] - gamma * g[i]);
      gp += g[i] * v;
    }
    return gp;
  }

  /** rows[0..r) · [g, y]ᵀ: [r, 2] row-major. */
  private products(r: number, rhs: Float32Array): Float32Array {
    const T = loadOrt()!.Tensor;
    const out = historySessions(1).dots.run({ H: new T('float32', this.rows.subarray(0, r * this.n), [r, this.n]), V: new T('float32', rhs, [2, this.n]) }, { Y: null }, {});
    return out.Y.data as unknown as Float32Array;
  }

  /** coef[0..r)ᵀ · rows[0..r): [n]. */
  private combine(r: number): Float32Array {
    const T = loadOrt()!.Tensor;
    const out = historySessions(float32Threads(1)).combine.run({ H: new T('float32', this.rows.subarray(0, r * this.n), [r, this.n]), c: new T('float32', this.coef.subarray(0, r), [r, 1]) }, { Y: null }, {});
    return out.Y.data as unknown as Float32Array;
  }
}

const cached = new Map<number, { dots: NativeSession; combine: NativeSession }>();

/**
 * Two float32 sessions: H·Vᵀ ([r, n] × [2, n]ᵀ) and Hᵀ·c. H·Vᵀ runs on one thread: its output has as
 * few as 2 × 2 entries, and MLAS then splits the long sums across threads, which changes their rounding
 * (measured: every entry differed at r = 2). Hᵀ·c takes the worker's budget (2 threads for the last fit
 * running): its n outputs are split, never a sum, so it is the same on any thread count
 * (test/evaluation/compact-history.test.ts), and 4× faster on 2 threads (6.5 → 1.4 ms at n = 476k, r = 20).
 */
function historySessions(threads: number): { dots: NativeSession; combine: NativeSession } {
  let hit = cached.get(threads);
  if (hit) return hit;
  const dots = new GraphBuilder('lbfgs_history_products');
  dots.input('H', 'float32', ['r', 'n']);
  dots.input('V', 'float32', [2, 'n']);
  dots.node('Gemm', ['H', 'V'], ['Y'], { transB: 1 });
  dots.output('Y', 'float32', ['r', 2]);
  const combine = new GraphBuilder('lbfgs_history_combination');
  combine.input('H', 'float32', ['r', 'n']);
  combine.input('c', 'float32', ['r', 1]);
  combine.node('Gemm', ['H', 'c'], ['Y'], { transA: 1 });
  combine.output('Y', 'float32', ['n', 1]);
  hit = { dots: nativeSession(dots.toModelBytes({ opset: 17 }), threads), combine: nativeSession(combine.toModelBytes({ opset: 17 }), threads) };
  cached.set(threads, hit);
  return hit;
}
