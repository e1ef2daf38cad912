import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/util/paths.ts';

/**
 * Project files cite primary sources (papers, upstream repositories, package versions), never
 * documents that are not in the repository or paths of the machine they were written on.
 */
const ROOTS = ['src', 'test', 'bench', 'models', 'docs', 'deploy', 'README.md', 'datasets/README.md', 'reports/README.md'];
const TEXT = /\.(ts|mts|mjs|js|md|py|json)$/;
// Built from parts so this file does not match itself.
const MACHINE_PATH = new RegExp(['/wo', 'rk/|/ho', 'me/'].join(''));
// An upper-case Markdown name, with the path written before it if any (`docs/ARCHITECTURE.md`, `deploy/k8s/README.md`).
const MARKDOWN_NAME = /((?:\.{1,2}\/|[\w.-]+\/)*)\b([A-Z][A-Z_]+\.md)\b/g;

/** Text files under `rel` (a file or a folder), relative to the project root. */
function files(rel: string): string[] {
  const abs = join(PROJECT_ROOT, rel);
  if (!existsSync(abs)) return [];
  if (!statSync(abs).isDirectory()) return TEXT.test(rel) ? [rel] : [];
  // bench/results holds measured outputs, not prose.
  return readdirSync(abs).flatMap((n) => (n === 'node_modules' || n === 'results' || n.startsWith('.') ? [] : files(join(rel, n))));
}

describe('citations in project files', () => {
  const all = ROOTS.flatMap(files);

  it('scans the project', () => {
    expect(all).toContain('src/datasets/registry.ts');
    expect(all).toContain('bench/README.md');
    expect(all).toContain('docs/ARCHITECTURE.md');
  });

  it('name no absolute path of a build machine', () => {
    expect(all.filter((f) => MACHINE_PATH.test(readFileSync(join(PROJECT_ROOT, f), 'utf8')))).toEqual([]);
  });

  it('name no Markdown document that is not in the repository', () => {
    const missing: string[] = [];
    for (const f of all) {
      for (const m of readFileSync(join(PROJECT_ROOT, f), 'utf8').matchAll(MARKDOWN_NAME)) {
        // Found beside the file that names it, or from the project root (how prose names repository files).
        const named = `${m[1]}${m[2]}`;
        if (![join(PROJECT_ROOT, dirname(f), named), join(PROJECT_ROOT, named)].some(existsSync)) missing.push(`${f}: ${named}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('Markdown files hold real line breaks, not a literal "\\n\\n" escape', () => {
    const escaped = '\\n\\n';
    expect(all.filter((f) => f.endsWith('.md') && readFileSync(join(PROJECT_ROOT, f), 'utf8').includes(escaped))).toEqual([]);
  });
});
