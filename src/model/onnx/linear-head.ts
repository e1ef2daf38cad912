/**
 * A linear classification head as a standalone ONNX graph: image embeddings [batch, d] → logits [batch, K],
 * with the L2 normalisation inside (x / max(‖x‖, 1e-30), so a zero row scores the bias alone, as the
 * harness's normalisation does), then x·Wᵀ + b in float32. Metadata rides in the model's metadata_props,
 * so the head runs, and says what it is, anywhere onnxruntime runs.
 */
import { GraphBuilder } from './builder.ts';

export function linearHeadOnnx(head: { coef: Float64Array; intercept: Float64Array; numClasses: number; numFeatures: number }, metadata: Record<string, string>): Uint8Array {
  const { numClasses: K, numFeatures: d } = head;
  const Wt = new Float32Array(d * K);
  for (let c = 0; c < K; c++) for (let j = 0; j < d; j++) Wt[j * K + c] = head.coef[c * d + j];
  const g = new GraphBuilder('linear_head');
  g.input('image_embeds', 'float32', ['batch', d]);
  g.initializer('weight_t', Wt, [d, K]);
  g.initializer('bias', Float32Array.from(head.intercept), [K]);
  g.initializer('tiny', Float32Array.from([1e-30]), []);
  g.node('ReduceL2', ['image_embeds'], ['norm'], { axes: [1], keepdims: 1 });
  g.node('Max', ['norm', 'tiny'], ['norm_safe']);
  g.node('Div', ['image_embeds', 'norm_safe'], ['unit']);
  g.node('MatMul', ['unit', 'weight_t'], ['scores']);
  g.node('Add', ['scores', 'bias'], ['logits']);
  g.output('logits', 'float32', ['batch', K]);
  return g.toModelBytes({ opset: 17, metadata });
}
