// Compiles the library API (src/index.ts and every module it imports) into dist/: JavaScript that plain
// Node runs, with .d.ts types. TypeScript's rewriteRelativeImportExtensions (5.7+) turns the sources'
// `./x.ts` specifiers into `./x.js`. Files the code reads at runtime next to itself (the results schema,
// the preprocessing worker) are copied beside the compiled modules. An unchanged tree is not rebuilt
// (dist/.build-stamp is newer than every source and config file); delete dist/ to force a full build.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');

const stamp = join(dist, '.build-stamp');
const inputs = [...readdirSync(src, { recursive: true }).map((f) => join(src, f)), ...['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => join(root, f))];
const built = existsSync(stamp) ? statSync(stamp).mtimeMs : -Infinity;
if (inputs.every((f) => statSync(f).mtimeMs < built)) process.exit(0);

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.error(`error: typescript is not installed in ${root}; run npm ci there (with dev dependencies), then npm run build`);
  process.exit(2);
}
// Stamped with the start time, so a source edited during the build counts as newer than the build.
const started = new Date();
const run = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);

// Runtime assets: every non-TypeScript file under src/ whose folder was compiled.
for (const file of readdirSync(src, { recursive: true })) {
  if (file.endsWith('.ts') || !statSync(join(src, file)).isFile()) continue;
  if (existsSync(dirname(join(dist, file)))) copyFileSync(join(src, file), join(dist, file));
}
writeFileSync(stamp, `${started.toISOString()}\n`);
utimesSync(stamp, started, started);
