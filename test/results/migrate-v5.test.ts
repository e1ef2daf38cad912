import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { migrateResults } from '../../src/results/migrate.ts';
import { COOP_TIE_RULE, probeFitRecord } from '../../src/results/probe-fit.ts';
import { validateResults } from '../../src/results/validate.ts';
import { renderMarkdown } from '../../src/results/markdown.ts';
import type { BenchResults } from '../../src/results/schema.ts';

const FIXTURE_V1 = new URL('../fixtures/reports/tiny-a.json', import.meta.url);

describe('results schema v5: the probe fit record (issue 18)', () => {
  it('a v2 lbfgs record lifts to what v2 ran: the CoOp search, float64 cold starts, CoOp\'s tie rule; and validates', async () => {
    const v1 = JSON.parse(await readFile(FIXTURE_V1, 'utf8'));
    const r = migrateResults(v1, 'tiny-a.json') as { schemaVersion: number; protocol: { probeFit: unknown } };
    expect(r.schemaVersion).toBe(5);
    expect(r.protocol.probeFit).toEqual({ search: 'coop', tieRule: COOP_TIE_RULE, precision: 'float64', warmStart: false, lineSearch: 'nocedal-wright', description: expect.stringContaining('cold start') });
    expect(validateResults(r)).toEqual([]);
  });

  it('a v5 record written before the line search was recorded reads as the Nocedal–Wright search it ran; a new one keeps scipy\'s', async () => {
    const v1 = JSON.parse(await readFile(FIXTURE_V1, 'utf8'));
    const old = { ...(migrateResults(v1, 'tiny-a.json') as Record<string, unknown>) } as { protocol: { probeFit: Record<string, unknown> } };
    const { lineSearch: _drop, ...before } = probeFitRecord('coop', 'float64');
    old.protocol = { ...old.protocol, probeFit: { ...before, description: 'as written before' } };
    const lifted = migrateResults(old, 'old-v5.json') as { protocol: { probeFit: { lineSearch: string; description: string } } };
    expect(lifted.protocol.probeFit.lineSearch).toBe('nocedal-wright');
    expect(lifted.protocol.probeFit.description).toMatch(/^as written before; a Nocedal–Wright/);
    const fresh = { ...old, protocol: { ...old.protocol, probeFit: probeFitRecord('coop', 'float64') } };
    expect((migrateResults(fresh, 'new.json') as typeof lifted).protocol.probeFit.lineSearch).toBe('more-thuente');
    expect(probeFitRecord('coop', 'float64').description).toMatch(/scipy L-BFGS-B's Moré–Thuente line search/);
    expect(validateResults(lifted)).toEqual([]);
  });

  it('a solver that ignores C lifts to probeFit null', async () => {
    const v1 = JSON.parse(await readFile(FIXTURE_V1, 'utf8'));
    const r = migrateResults({ ...v1, protocol: { ...v1.protocol, solver: 'ml-logistic-regression' } }, 'x.json') as { protocol: { probeFit: unknown } };
    expect(r.protocol.probeFit).toBeNull();
  });

  it('names the default, the tie rule and the opt-in grid search in words', () => {
    const coop = probeFitRecord('coop', 'mixed');
    expect(coop.warmStart).toBe(true);
    expect(coop.description).toMatch(/CoOp lpclip \/ CLIP A\.3 \(7-point grid, 8 bisection steps\).*float32 products and a float64 polish/);
    expect(COOP_TIE_RULE).toMatch(/first best in CoOp's order.*the larger C.*left \(smaller\) C unless the right is strictly better/);
    expect(probeFitRecord('grid', 'mixed').description).toMatch(/7-point grid only.*not comparable/);
  });

  it('a grid-only search is labelled in the results table and the protocol line, and the record validates', async () => {
    const v1 = JSON.parse(await readFile(FIXTURE_V1, 'utf8'));
    const r = migrateResults(v1, 'tiny-a.json') as BenchResults;
    r.protocol.probeFit = probeFitRecord('grid', 'mixed');
    for (const d of r.datasets) for (const p of d.probes) p.protocol = { ...(p.protocol ?? { cSelection: 'sweep', distinctDraws: 1, identicalSeeds: [] }), search: 'grid' };
    expect(validateResults(r)).toEqual([]);
    const md = renderMarkdown(r);
    expect(md).toMatch(/\| linear probe \(grid-only C search\) \|/);
    expect(md).toMatch(/grid-only C search, opt-in: not comparable to CoOp \/ CLIP A\.3 tables/);
    const fresh = JSON.parse(await readFile(FIXTURE_V1, 'utf8'));
    expect(renderMarkdown(migrateResults(fresh, 'tiny-a.json') as BenchResults)).not.toMatch(/grid-only/);
  });
});
