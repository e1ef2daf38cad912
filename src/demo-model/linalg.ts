/** Small dense linear algebra over Float64Array, row-major. Enough for closed-form training. */

/** C = Aᵀ A (A: n × d) accumulated in float64; optionally over rows weighted by `w`. */
export function gram(A: Float32Array | Float64Array, n: number, d: number): Float64Array {
  const G = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = A[i * d + j];
    for (let j = 0; j < d; j++) {
      const v = row[j];
      if (v === 0) continue;
      const o = j * d;
      for (let k = j; k < d; k++) G[o + k] += v * row[k];
    }
  }
  for (let j = 0; j < d; j++) for (let k = 0; k < j; k++) G[j * d + k] = G[k * d + j];
  return G;
}

/** C = Aᵀ B (A: n × d, B: n × m). */
export function crossProduct(A: ArrayLike<number>, B: ArrayLike<number>, n: number, d: number, m: number): Float64Array {
  const C = new Float64Array(d * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const a = A[i * d + j];
      if (a === 0) continue;
      const o = j * m;
      const bo = i * m;
      for (let k = 0; k < m; k++) C[o + k] += a * B[bo + k];
    }
  }
  return C;
}

/** In-place Cholesky of SPD `A` (d × d) into its lower factor L. Throws if not positive definite. */
export function cholesky(A: Float64Array, d: number): Float64Array {
  const L = A;
  for (let j = 0; j < d; j++) {
    let s = L[j * d + j];
    for (let k = 0; k < j; k++) s -= L[j * d + k] * L[j * d + k];
    if (!(s > 0)) throw new Error(`cholesky: matrix not positive definite at ${j} (${s})`);
    const ljj = Math.sqrt(s);
    L[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = L[i * d + j];
      const oi = i * d;
      const oj = j * d;
      for (let k = 0; k < j; k++) t -= L[oi + k] * L[oj + k];
      L[oi + j] = t / ljj;
    }
    for (let k = j + 1; k < d; k++) L[j * d + k] = 0;
  }
  return L;
}

/** Solve (L Lᵀ) X = B for X (B: d × m, overwritten and returned). */
export function choleskySolve(L: Float64Array, d: number, B: Float64Array, m: number): Float64Array {
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < i; k++) {
      const l = L[i * d + k];
      if (l === 0) continue;
      for (let c = 0; c < m; c++) B[i * m + c] -= l * B[k * m + c];
    }
    const lii = L[i * d + i];
    for (let c = 0; c < m; c++) B[i * m + c] /= lii;
  }
  for (let i = d - 1; i >= 0; i--) {
    for (let k = i + 1; k < d; k++) {
      const l = L[k * d + i];
      if (l === 0) continue;
      for (let c = 0; c < m; c++) B[i * m + c] -= l * B[k * m + c];
    }
    const lii = L[i * d + i];
    for (let c = 0; c < m; c++) B[i * m + c] /= lii;
  }
  return B;
}

/** Ridge regression: W = (XᵀX + λ I)⁻¹ XᵀY, from precomputed G = XᵀX and R = XᵀY. */
export function ridgeSolve(G: Float64Array, R: Float64Array, d: number, m: number, lambda: number): Float64Array {
  const A = Float64Array.from(G);
  for (let j = 0; j < d; j++) A[j * d + j] += lambda;
  const L = cholesky(A, d);
  return choleskySolve(L, d, Float64Array.from(R), m);
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations (fine for d ≲ 300).
 * Returns eigenvalues (descending) and eigenvectors as columns of V (d × d, row-major).
 */
export function symmetricEigen(S: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(S);
  const V = new Float64Array(d * d);
  for (let i = 0; i < d; i++) V[i * d + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += A[p * d + q] * A[p * d + q];
    if (off < 1e-22) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = A[p * d + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (A[q * d + q] - A[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = A[k * d + p];
          const akq = A[k * d + q];
          A[k * d + p] = c * akp - s * akq;
          A[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = A[p * d + k];
          const aqk = A[q * d + k];
          A[p * d + k] = c * apk - s * aqk;
          A[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = V[k * d + p];
          const vkq = V[k * d + q];
          V[k * d + p] = c * vkp - s * vkq;
          V[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((a, b) => A[b * d + b] - A[a * d + a]);
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  order.forEach((src, dst) => {
    values[dst] = A[src * d + src];
    for (let k = 0; k < d; k++) vectors[k * d + dst] = V[k * d + src];
  });
  return { values, vectors };
}
