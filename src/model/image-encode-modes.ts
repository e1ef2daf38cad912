/**
 * The names of the image encode modes (encode-mode.ts), apart from it so that the CLI and the results
 * can name them without loading onnxruntime.
 */
export const IMAGE_ENCODE_MODES = ['batched', 'per-row-dq', 'one-per-run'] as const;
export type ImageEncodeMode = (typeof IMAGE_ENCODE_MODES)[number];

/** What the user asks for int8 graphs: the per-row rewrite when it applies (auto), or one image per run. */
export const INT8_ENCODE_CHOICES = ['auto', 'one-per-run'] as const;
export type Int8EncodeChoice = (typeof INT8_ENCODE_CHOICES)[number];
