/**
 * HTML character-reference decoding with the exact semantics CLIP's text cleaning relies on:
 * Python's `html.unescape` (applied twice by OpenAI's `basic_clean`) and the stricter entity
 * step of `ftfy.fix_text` (`ftfy.fixes.unescape_html`, ftfy 6.x). Written from the HTML5
 * character-reference rules; the named-reference table is generated data (html-entities.ts).
 */
import { HTML5_ENTITIES } from './html-entities.ts';

/**
 * Numeric references the HTML5 spec re-maps (the Windows-1252 block, NUL and CR).
 * Keyed by the referenced number.
 */
const REMAPPED_CHARREFS: ReadonlyMap<number, string> = new Map<number, string>([
  [0x00, '\uFFFD'],
  [0x0d, '\r'],
  [0x80, '\u20AC'],
  [0x81, '\x81'],
  [0x82, '\u201A'],
  [0x83, '\u0192'],
  [0x84, '\u201E'],
  [0x85, '\u2026'],
  [0x86, '\u2020'],
  [0x87, '\u2021'],
  [0x88, '\u02C6'],
  [0x89, '\u2030'],
  [0x8a, '\u0160'],
  [0x8b, '\u2039'],
  [0x8c, '\u0152'],
  [0x8d, '\x8d'],
  [0x8e, '\u017D'],
  [0x8f, '\x8f'],
  [0x90, '\x90'],
  [0x91, '\u2018'],
  [0x92, '\u2019'],
  [0x93, '\u201C'],
  [0x94, '\u201D'],
  [0x95, '\u2022'],
  [0x96, '\u2013'],
  [0x97, '\u2014'],
  [0x98, '\u02DC'],
  [0x99, '\u2122'],
  [0x9a, '\u0161'],
  [0x9b, '\u203A'],
  [0x9c, '\u0153'],
  [0x9d, '\x9d'],
  [0x9e, '\u017E'],
  [0x9f, '\u0178'],
]);

/** Code points a numeric reference may not produce: they decode to nothing. */
function isDroppedCodePoint(n: number): boolean {
  if ((n >= 0x01 && n <= 0x08) || n === 0x0b || (n >= 0x0e && n <= 0x1f)) return true;
  if (n >= 0x7f && n <= 0x9f) return true;
  if (n >= 0xfdd0 && n <= 0xfdef) return true;
  return (n & 0xfffe) === 0xfffe; // U+xFFFE / U+xFFFF in every plane
}

function decodeNumeric(digits: string, hex: boolean): string {
  const n = parseInt(digits, hex ? 16 : 10);
  const remapped = REMAPPED_CHARREFS.get(n);
  if (remapped !== undefined) return remapped;
  if ((n >= 0xd800 && n <= 0xdfff) || n > 0x10ffff) return '\uFFFD';
  if (isDroppedCodePoint(n)) return '';
  return String.fromCodePoint(n);
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function decodeNamed(name: string): string {
  if (hasOwn(HTML5_ENTITIES, name)) return HTML5_ENTITIES[name]!;
  // Longest known prefix (at least 2 characters), e.g. "&notit;" -> "¬" + "it;".
  const cps = Array.from(name);
  for (let len = cps.length - 1; len > 1; len--) {
    const prefix = cps.slice(0, len).join('');
    if (hasOwn(HTML5_ENTITIES, prefix)) return HTML5_ENTITIES[prefix]! + cps.slice(len).join('');
  }
  return '&' + name;
}

const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

/** Python's `html.unescape`: all named and numeric references, with or without `;`. */
export function htmlUnescape(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(CHARREF, (_m, ref: string) => {
    if (ref[0] !== '#') return decodeNamed(ref);
    const hex = ref[1] === 'x' || ref[1] === 'X';
    const body = ref.slice(hex ? 2 : 1).replace(/;$/, '');
    return decodeNumeric(body, hex);
  });
}

let ftfyTable: Map<string, string> | undefined;

/**
 * ftfy's table: every HTML5 name that ends in ';', plus the all-caps spelling of lower-case
 * names when plain html.unescape would leave that spelling alone (so "&EACUTE;" -> "É").
 */
function ftfyEntities(): Map<string, string> {
  if (ftfyTable) return ftfyTable;
  const t = new Map<string, string>();
  for (const [name, value] of Object.entries(HTML5_ENTITIES)) {
    if (!name.endsWith(';')) continue;
    t.set('&' + name, value);
    if (name === name.toLowerCase()) {
      const upper = '&' + name.toUpperCase();
      if (htmlUnescape(upper) === upper) t.set(upper, value.toUpperCase());
    }
  }
  ftfyTable = t;
  return t;
}

const FTFY_ENTITY = /&#?[0-9A-Za-z]{1,24};/g;

/**
 * `ftfy.fixes.unescape_html`: only references that end in ';'; numeric ones must decode
 * completely; also the all-caps named forms.
 */
export function ftfyUnescapeHtml(s: string): string {
  if (!s.includes('&')) return s;
  const table = ftfyEntities();
  return s.replace(FTFY_ENTITY, (m) => {
    const named = table.get(m);
    if (named !== undefined) return named;
    if (m.startsWith('&#')) {
      const u = htmlUnescape(m);
      return u.includes(';') ? m : u;
    }
    return m;
  });
}
