// A separate package's entry point: `node consumer.mjs <model> <data> <file>`, importing clip-bench by name.
import * as api from 'clip-bench';
import { scenario } from './scenario.mjs';

console.log(JSON.stringify(await scenario(api, ...process.argv.slice(2))));
