/**
 * The README is one screen and its depth lives in docs/ (issue 23). Nothing may vanish in the move: every
 * heading of the old README is a heading of the page it moved to and keeps one sentence verbatim there,
 * every measured figure the old README held is still written somewhere in README.md or docs/, and every
 * relative link in README.md and docs/ leads to a file (and, for a `#anchor` into Markdown, to a heading).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/util/paths.ts';

interface Moved {
  sections: { heading: string; movedTo: string; headingThere: string; sentence: string }[];
  figures: string[];
  boldFigures: string[];
}

const moved = JSON.parse(readFileSync(join(PROJECT_ROOT, 'test/fixtures/docs/readme-moved.json'), 'utf8')) as Moved;
const read = (rel: string) => readFileSync(join(PROJECT_ROOT, rel), 'utf8');
/** Line breaks inside a paragraph or a table cell are not content. */
const flat = (text: string) => text.replace(/\s+/g, ' ');
const DOCS = readdirSync(join(PROJECT_ROOT, 'docs'))
  .filter((n) => n.endsWith('.md'))
  .map((n) => `docs/${n}`);
const PAGES = ['README.md', ...DOCS];

/** GitHub's heading anchors (github-slugger): lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a Markdown file's headings (outside code fences), with GitHub's -1, -2 for repeats. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^```/.test(line)) fenced = !fenced;
    const m = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Relative link targets of a Markdown file (links and images), outside code fences and code spans. */
export function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^[a-z][a-z+.-]*:/i.test(t));
}

describe('the README', () => {
  it('is at most 200 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(200);
  });

  it('links every page in docs/', () => {
    const linked = new Set(relativeLinks(read('README.md')).map((t) => t.split('#')[0]));
    expect(DOCS.filter((d) => !linked.has(d))).toEqual([]);
  });
});

describe('nothing was lost moving the README into docs/', () => {
  it('the frozen list covers the old README', () => {
    expect(moved.sections.length).toBe(23);
    expect(moved.figures.length).toBeGreaterThan(200);
  });

  it.each(moved.sections)('$heading → $movedTo', ({ movedTo, headingThere, sentence }) => {
    expect(existsSync(join(PROJECT_ROOT, movedTo))).toBe(true);
    const text = read(movedTo);
    expect(text.split('\n')).toContain(headingThere);
    expect(flat(text)).toContain(flat(sentence));
  });

  it('every figure the old README measured is still written in README.md or docs/', () => {
    const all = flat(PAGES.map(read).join('\n'));
    expect(moved.figures.filter((f) => !all.includes(f))).toEqual([]);
    expect(moved.boldFigures.filter((f) => !all.includes(f))).toEqual([]);
  });
});

describe('relative links in README.md and docs/', () => {
  it('finds the links it checks', () => {
    expect(relativeLinks(read('README.md')).length).toBeGreaterThan(15);
    expect(relativeLinks(read('docs/shifts.md'))).toContain('img/demo-cifar10-c-robustness.png');
  });

  it('each leads to a file, and an #anchor into Markdown to one of its headings', () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      for (const target of relativeLinks(read(page))) {
        const [path, anchor] = target.split('#');
        const file = path === '' ? page : relative(PROJECT_ROOT, join(PROJECT_ROOT, dirname(page), decodeURI(path)));
        if (file.startsWith('..') || !existsSync(join(PROJECT_ROOT, file))) broken.push(`${page}: ${target} (no file ${file})`);
        else if (anchor !== undefined && file.endsWith('.md') && !anchors(read(file)).has(anchor)) broken.push(`${page}: ${target} (no heading #${anchor} in ${file})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the anchor rule is GitHub’s', () => {
    expect(slug('The C search (CLIP A.3, CoOp lpclip)')).toBe('the-c-search-clip-a3-coop-lpclip');
    expect(slug('Execution providers (`--device`)')).toBe('execution-providers---device');
    expect([...anchors('# A\n```\n# not a heading\n```\n## A\n')]).toEqual(['a', 'a-1']);
  });
});
