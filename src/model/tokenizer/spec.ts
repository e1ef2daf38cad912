/**
 * How an export expects its text ids. Exports differ: OpenAI's `clip.tokenize` (openai/CLIP
 * `clip/clip.py`) pads with 0; Hugging Face `CLIPTokenizer` and transformers.js pad with
 * <|endoftext|> and pass an attention mask; ids are int32 or int64 as the graph declares.
 */
export interface TokenizerSpec {
  kind: 'clip-bpe';
  /** Context length (77 for CLIP). */
  contextLength: number;
  /** 'zeros': OpenAI pads with 0. 'eot': Hugging Face / transformers.js pad with <|endoftext|> (49407). */
  padding: 'zeros' | 'eot';
  /** Lower-case input (CLIP does). */
  lowercase: boolean;
  /** Optional path to an export's own tokenizer.json (Hugging Face format) to take vocab/merges from. */
  tokenizerJson?: string;
}

export const OPENAI_CLIP_TOKENIZER: TokenizerSpec = {
  kind: 'clip-bpe',
  contextLength: 77,
  padding: 'zeros',
  lowercase: true,
};

/** Result of tokenizing a batch: row-major [n, contextLength]. */
export interface TokenizedBatch {
  n: number;
  contextLength: number;
  ids: Int32Array;
  /** 1 for real tokens (start..end inclusive), 0 for padding. */
  attentionMask: Int32Array;
  /** Index of the (first) end-of-text token per row: where CLIP reads the text embedding. */
  eotPositions: Int32Array;
}
