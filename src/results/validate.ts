import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { BenchResults } from './schema.ts';

const schema = JSON.parse(readFileSync(new URL('./results.schema.json', import.meta.url), 'utf8'));
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
const check = ajv.compile(schema);

/** Validate a parsed results.json; returns a list of readable problems (empty when valid). */
export function validateResults(value: unknown): string[] {
  if (check(value)) return [];
  return (check.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}`);
}

export function assertValidResults(value: unknown, file: string): asserts value is BenchResults {
  const problems = validateResults(value);
  if (problems.length) throw new Error(`${file} does not match the results schema: ${problems.slice(0, 5).join('; ')}`);
}
