import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/util/paths.ts';

/**
 * The code is layered, one direction (datasets → model → features → evaluation → results): an
 * import cycle means two modules cannot be loaded, tested or understood apart. This walks every
 * relative import in src/ that exists at runtime (static `import … from`, `export … from`,
 * side-effect `import '…'` and dynamic `import('…')`) and fails on any cycle. `import type` and
 * `export type` are left out: TypeScript erases them, so they cannot form a load-order cycle.
 */
const SRC = join(PROJECT_ROOT, 'src');
/** `import|export [type] … from '…'` (group 1: "type" or empty, group 2: the path). */
const FROM = /^\s*(?:import|export)\b(\s+type\b)?[^;'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/gm;
/** `import '…'` and `import('…')`. */
const BARE = /(?:^\s*import\s*|\bimport\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|mts|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const runtime = [...[...text.matchAll(FROM)].filter((m) => !m[1]).map((m) => m[2]), ...[...text.matchAll(BARE)].map((m) => m[1])];
    graph.set(f, runtime.map((p) => resolve(dirname(f), p)));
  }
  return graph;
}

/** Every cycle found by depth-first search, each as a list of files from its first repeated node. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (f: string) => {
    state.set(f, 'active');
    stack.push(f);
    for (const dep of graph.get(f) ?? []) {
      if (!graph.has(dep)) continue;
      if (state.get(dep) === 'active') cycles.push([...stack.slice(stack.indexOf(dep)), dep]);
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return cycles;
}

describe('import graph of src/', () => {
  const graph = importGraph(sourceFiles(SRC));

  it('finds the imports it is meant to check (a walker that sees nothing proves nothing)', () => {
    const deps = (f: string) => graph.get(join(SRC, f))!.map((d) => relative(SRC, d));
    // static, multi-line static and dynamic imports; `import type` (./types.ts) left out
    expect(deps('datasets/resolve.ts').sort()).toEqual(
      ['datasets/builtin.ts', 'datasets/hub.ts', 'datasets/list-files.ts', 'datasets/list-files.ts', 'datasets/registry.ts', 'datasets/user/index.ts', 'datasets/user/index.ts', 'util/errors.ts', 'util/paths.ts'].sort(),
    );
    // compiled (dist/) and source (src/) variants of each worker import
    expect(deps('features/preprocess-worker.mjs').sort()).toEqual(['features/preprocess-batch.js', 'features/preprocess-batch.ts', 'util/errors.js', 'util/errors.ts']);
    expect(graph.size).toBeGreaterThan(90);
  });

  it('detects a cycle when there is one', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(findCycles(g)).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('has no cycles', () => {
    const cycles = findCycles(graph).map((c) => c.map((f) => relative(SRC, f)).join(' → '));
    expect(cycles).toEqual([]);
  });
});
