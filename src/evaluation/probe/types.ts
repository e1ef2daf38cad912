/**
 * The contract every linear-probe solver meets (sklearn estimator shape: hyper-parameters in the
 * constructor, `fit` returns the fitted model, predictions are pure). Features are row-major
 * Float32Array [n, d]; labels Int32Array [n] in 0..numClasses-1; scores are [n, numClasses].
 */
export interface LinearProbe {
  fit(X: Float32Array, y: Int32Array, n: number, d: number, numClasses: number): this;
  /** Raw class scores (logits for the multinomial model), [n, numClasses]. */
  decisionFunction(X: Float32Array, n: number): Float32Array;
  /** Class probabilities, rows sum to 1, [n, numClasses]. */
  predictProba(X: Float32Array, n: number): Float32Array;
  /** Arg-max class per row. */
  predict(X: Float32Array, n: number): Int32Array;
  /** Fitted weights when the solver exposes them (used to warm-start the next fit of a C sweep). */
  weights?(): LinearWeights;
}

/** Multinomial linear model: score[i, k] = coef[k, :] · x_i + intercept[k]. */
export interface LinearWeights {
  numClasses: number;
  numFeatures: number;
  /** [numClasses, numFeatures] row-major (sklearn's `coef_` layout). */
  coef: Float64Array;
  /** [numClasses]; −Infinity for a class with no training examples (it is never predicted). */
  intercept: Float64Array;
}

export type ProbeSolver = 'lbfgs' | 'ml-logistic-regression';

/** Builds an unfitted probe for one regularisation strength, optionally warm-started. */
export type ProbeFactory = (C: number, init?: LinearWeights) => LinearProbe;
