#!/usr/bin/env node
// Usage: node scripts/results-diff.mjs before/results.json after/results.json — exit 0 when a refactor left the results unchanged.
// Deep diff of two results.json files, ignoring what legitimately changes between runs: timings and run ids.
import { readFileSync } from 'node:fs';
const [a, b] = process.argv.slice(2).map((p) => JSON.parse(readFileSync(p, 'utf8')));
const IGNORE = new Set(['runId', 'createdAt', 'timings', 'seconds', 'totalSeconds']);
const diffs = [];
const ignored = new Set();
function walk(x, y, path) {
  if (typeof x !== typeof y || Array.isArray(x) !== Array.isArray(y) || (x === null) !== (y === null)) return diffs.push(`${path}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
  if (x && typeof x === 'object') {
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    for (const k of keys) {
      if (IGNORE.has(k)) { ignored.add(k); continue; }
      if (!(k in x) || !(k in y)) { diffs.push(`${path}.${k}: only in ${k in x ? 'before' : 'after'}`); continue; }
      walk(x[k], y[k], `${path}.${k}`);
    }
  } else if (x !== y) diffs.push(`${path}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
}
walk(a, b, '$');
console.log(`ignored keys seen: ${[...ignored].sort().join(', ')}`);
console.log(diffs.length ? diffs.join('\n') : 'identical but for the ignored keys');
process.exit(diffs.length ? 1 : 0);
