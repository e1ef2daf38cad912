/**
 * The import rules of src/, checked by `npm run lint:deps` (dependency-cruiser) in CI.
 *
 * Layers, top to bottom; a module may import its own layer and any layer below it, never one above:
 *   cli, the library API (src/index.ts)
 *   pipeline, demo-model (builds the demo export from datasets + model)
 *   features, compare, reports, tasks (what a task encodes, scores and writes)
 *   evaluation, model, shifts
 *   datasets, results
 *   util
 * And no import circles anywhere (src/, bench/, scripts/, test/), type-only imports included (a circle of
 * types is still a circle to read).
 */
const LAYERS = [
  ['cli', 'index.ts'],
  ['pipeline', 'demo-model'],
  ['features', 'compare', 'reports', 'tasks'],
  ['evaluation', 'model', 'shifts'],
  ['datasets', 'results'],
  ['util'],
];

const pattern = (names) => `^src/(${names.map((n) => n.replace('.', '\\.')).join('|')})(/|$)`;

const layerRules = LAYERS.slice(1).map((layer, i) => {
  const above = LAYERS.slice(0, i + 1).flat();
  return {
    name: `no-upward-from-${layer.join('-')}`,
    comment: `${layer.join(', ')} may not import the layers above it (${above.join(', ')}): move the shared piece down instead`,
    severity: 'error',
    from: { path: pattern(layer) },
    to: { path: pattern(above) },
  };
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'an import circle: break it by moving the shared type or function into a module both may import',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'no-unlayered-folder',
      comment: 'every folder of src/ has a place in the layer order above: add a new one to LAYERS',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: pattern(LAYERS.flat()) },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: `import type` across layers is still a dependency on the upper layer.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.js', '.json'] },
  },
};
