import { createRequire } from 'node:module';
import type MlLogisticRegressionType from 'ml-logistic-regression';
import type { Matrix as MatrixType } from 'ml-matrix';
import { argmaxRows, linearScores } from './logistic-regression.ts';
import type { LinearProbe, LinearWeights } from './types.ts';

// The package is CommonJS and builds its own ml-matrix instances; load ml-matrix through the same
// resolution so the matrices we pass are of the class it expects.
const require = createRequire(import.meta.url);
const MlLogisticRegression: typeof MlLogisticRegressionType = require('ml-logistic-regression');
const { Matrix } = require('ml-matrix') as { Matrix: typeof MatrixType };

export interface MlSolverOptions {
  /** Accepted for interface parity and recorded; the library has no regularisation term. */
  C?: number;
  /**
   * Full-batch gradient steps per one-vs-rest classifier. Default 500 (the library's own default,
   * 50 000, takes minutes on a 16-shot, 512-d problem; 2000 measured no better than 500).
   */
  numSteps?: number;
  /** Step size on the summed (not averaged) gradient. Library default 5e-4. */
  learningRate?: number;
}

/**
 * `--solver ml-logistic-regression`: an adapter around ml-logistic-regression@2, behind the same
 * interface as LogisticRegressionProbe. What the library does, unchanged: one-vs-rest binary logistic
 * models, plain gradient ascent for a fixed number of steps, no regularisation (C has no effect, so a
 * C sweep is pointless), no intercept. What the adapter adds: a constant-1 feature column so each
 * classifier has a bias, a compact label mapping (the library needs labels 0..m−1 with every class
 * present) and probabilities normalised over the one-vs-rest sigmoids.
 */
export class MlLogisticRegressionProbe implements LinearProbe {
  readonly C: number;
  readonly numSteps: number;
  readonly learningRate: number;
  private fitted: LinearWeights | undefined;

  constructor(options: MlSolverOptions = {}) {
    this.C = options.C ?? 1;
    this.numSteps = options.numSteps ?? 500;
    this.learningRate = options.learningRate ?? 5e-4;
  }

  fit(X: Float32Array, y: Int32Array, n: number, d: number, numClasses: number): this {
    if (X.length !== n * d) throw new Error(`ml-logistic-regression: features have ${X.length} values, expected n·d = ${n}·${d}`);
    if (y.length !== n) throw new Error(`ml-logistic-regression: ${y.length} labels for ${n} examples`);
    const present: number[] = [];
    const compact = new Int32Array(numClasses).fill(-1);
    for (let i = 0; i < n; i++) {
      const c = y[i];
      if (!(c >= 0 && c < numClasses)) throw new Error(`ml-logistic-regression: label ${c} at row ${i} is outside 0..${numClasses - 1}`);
      if (compact[c] < 0) compact[c] = 1;
    }
    for (let k = 0; k < numClasses; k++) if (compact[k] > 0) present.push(k);
    present.forEach((k, j) => (compact[k] = j));

    const coef = new Float64Array(numClasses * d);
    const intercept = new Float64Array(numClasses).fill(-Infinity);
    if (present.length === 1) {
      intercept[present[0]] = 0;
      this.fitted = { numClasses, numFeatures: d, coef, intercept };
      return this;
    }
    const features = new Matrix(n, d + 1);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) features.set(i, j, X[i * d + j]);
      features.set(i, d, 1);
    }
    const labels = Matrix.columnVector(Array.from(y, (c) => compact[c]));
    const model = new MlLogisticRegression({ numSteps: this.numSteps, learningRate: this.learningRate });
    model.train(features, labels);

    // Classifier j models P(label ≠ j) = σ(w·x) (it relabels class j as 0), so class j's score is −w·x.
    present.forEach((k, j) => {
      const w = model.classifiers[j].weights.to1DArray();
      for (let t = 0; t < d; t++) coef[k * d + t] = -w[t];
      intercept[k] = -w[d];
    });
    this.fitted = { numClasses, numFeatures: d, coef, intercept };
    return this;
  }

  weights(): LinearWeights {
    if (!this.fitted) throw new Error('MlLogisticRegressionProbe: call fit() first');
    return this.fitted;
  }

  /** One-vs-rest logits, [n, K]. */
  decisionFunction(X: Float32Array, n: number): Float32Array {
    return linearScores(this.weights(), X, n);
  }

  /** One-vs-rest sigmoids normalised to sum to 1 per row. */
  predictProba(X: Float32Array, n: number): Float32Array {
    const K = this.weights().numClasses;
    const s = this.decisionFunction(X, n);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const p = 1 / (1 + Math.exp(-s[i * K + k]));
        s[i * K + k] = p;
        sum += p;
      }
      for (let k = 0; k < K; k++) s[i * K + k] /= sum;
    }
    return s;
  }

  predict(X: Float32Array, n: number): Int32Array {
    return argmaxRows(this.decisionFunction(X, n), n, this.weights().numClasses);
  }
}
