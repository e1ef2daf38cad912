// Dev-only: read an ONNX file the way `models convert` does and write it back unchanged (plain) or
// after the fp16 weight rewrite. Driven by check.py.
import { readModelFile, writeModelFile } from '../../../src/model/onnx/external-data.ts';
import { convertWeightsToFp16 } from '../../../src/model/onnx/weights-fp16.ts';

const [src, plainOut, fp16Out] = process.argv.slice(2);
await writeModelFile(plainOut!, await readModelFile(src!));
const model = await readModelFile(src!);
const r = convertWeightsToFp16(model, { minElements: 4 });
await writeModelFile(fp16Out!, model);
console.log(`fp16: ${r.converted} initializer(s) converted`);
