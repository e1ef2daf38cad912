/**
 * Child process of text-embed.test.ts: embeds argv[4] prompts (a seeded prompt list) with the export in
 * argv[2] into the text cache argv[3], 16 prompts per chunk, printing "sealed <n>" after every chunk
 * so the parent can SIGKILL it part-way. A short pause per batch keeps the kill inside the run.
 */
import { loadModel } from '../../src/model/load.ts';
import { embedTexts } from '../../src/features/text.ts';
import { testPrompts } from './text-prompts.ts';

const [dir, cache, n] = process.argv.slice(2);
const model = await loadModel(dir!, { threads: 1 });
const encoder = {
  files: model.files,
  tokenizer: model.tokenizer,
  textTokenLengths: (t: string[]) => model.textTokenLengths(t),
  async encodeTexts(texts: string[]) {
    await new Promise((r) => setTimeout(r, 40));
    return model.encodeTexts(texts);
  },
};
let sealed = 0;
const r = await embedTexts(encoder, testPrompts(Number(n)), cache!, { batchSize: 8, chunkRows: 16, quiet: true, onSeal: () => console.log(`sealed ${++sealed}`) });
console.log(`done encoded ${r.encoded}`);
