/**
 * CLIP's text normalisation before BPE (OpenAI `clip/simple_tokenizer.py`):
 *
 *   basic_clean(text)      = ftfy.fix_text(text) -> html.unescape(html.unescape(.)) -> strip()
 *   whitespace_clean(text) = re.sub(r'\s+', ' ', text).strip()
 *   then lower-case, then split with the pre-tokeniser pattern.
 *
 * ftfy is a Python library; `fixText` re-implements the parts of `ftfy.fix_text`'s default
 * configuration (ftfy 6.x) that are deterministic character rewrites, in ftfy's order, repeated
 * until the text stops changing, line by line:
 *   - HTML entities (`unescape_html='auto'`: skipped from the first line containing '<' on)
 *   - C1 control characters read as Windows-1252 (`fix_c1_controls`)
 *   - Latin ligatures and digraphs (`fix_latin_ligatures`: "ﬁ" -> "fi")
 *   - full-width / half-width forms and U+3000 (`fix_character_width`: "ＡＢＣ" -> "ABC")
 *   - curly quotes (`uncurl_quotes`: ’ -> ', “ -> ")
 *   - line breaks (`fix_line_breaks`), lone surrogates (`fix_surrogates`)
 *   - ANSI terminal escapes (`remove_terminal_escapes`), control characters
 *     (`remove_control_chars`, incl. the BOM), then Unicode NFC.
 * Not re-implemented: `fix_encoding` (mojibake repair such as "CafÃ©" -> "Café", with its
 * sub-steps restore_byte_a0 / replace_lossy_sequences / decode_inconsistent_utf8). It only
 * changes text that is already mis-decoded; ordinary text, prompts and class names are left alone
 * by it, so ids differ from OpenAI's only for such broken input.
 */
import { ftfyUnescapeHtml, htmlUnescape } from './html.ts';

/** Characters Python's `str.isspace()` / `re`'s `\s` treat as whitespace. */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_SPACE_RUN = new RegExp(`[${PY_SPACE}]+`, 'g');
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');

/** Python's `str.strip()` (JS `trim()` differs: it strips U+FEFF and keeps U+001C–U+001F, U+0085). */
export function pyStrip(s: string): string {
  return s.replace(PY_STRIP, '');
}

/** `whitespace_clean`: runs of whitespace to one space, then strip. */
export function whitespaceClean(s: string): string {
  return pyStrip(s.replace(PY_SPACE_RUN, ' '));
}

// --- ftfy subset --------------------------------------------------------------------------

/** Windows-1252 for bytes 0x80–0x9F; the five unassigned bytes stay as they are ("sloppy"). */
const CP1252_C1 =
  '\u20AC\x81\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\x8d\u017D\x8f' +
  '\x90\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\x9d\u017E\u0178';

const LIGATURES: Readonly<Record<string, string>> = {
  '\u0132': 'IJ',
  '\u0133': 'ij',
  '\u0149': '\u02BCn',
  '\u01F1': 'DZ',
  '\u01F2': 'Dz',
  '\u01F3': 'dz',
  '\u01C4': 'D\u017D',
  '\u01C5': 'D\u017E',
  '\u01C6': 'd\u017E',
  '\u01C7': 'LJ',
  '\u01C8': 'Lj',
  '\u01C9': 'lj',
  '\u01CA': 'NJ',
  '\u01CB': 'Nj',
  '\u01CC': 'nj',
  '\uFB00': 'ff',
  '\uFB01': 'fi',
  '\uFB02': 'fl',
  '\uFB03': 'ffi',
  '\uFB04': 'ffl',
  '\uFB05': '\u017Ft',
  '\uFB06': 'st',
};
const LIGATURE_RE = /[\u0132\u0133\u0149\u01C4-\u01CC\u01F1-\u01F3\uFB00-\uFB06]/g;

let widthMap: Map<string, string> | undefined;
/** U+3000 -> ' ', and every U+FF01–U+FFEF whose NFKC form differs, to that form. */
function getWidthMap(): Map<string, string> {
  if (widthMap) return widthMap;
  const m = new Map<string, string>([['\u3000', ' ']]);
  for (let cp = 0xff01; cp < 0xfff0; cp++) {
    const ch = String.fromCharCode(cp);
    const alt = ch.normalize('NFKC');
    if (alt !== ch) m.set(ch, alt);
  }
  widthMap = m;
  return m;
}
const WIDTH_RE = /[\u3000\uFF01-\uFFEF]/g;

const C1_RE = /[\x80-\x9f]/g;
const DOUBLE_QUOTE_RE = /[\u201C-\u201F]/g;
const SINGLE_QUOTE_RE = /[\u02BC\u2018-\u201B]/g;
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Python's `\d` in a str pattern is any decimal digit (Nd), not just 0-9. */
const ANSI_RE = /\x1b\[(?:\p{Nd}|;)*[a-zA-Z]/gu;
const CONTROL_RE = /[\x00-\x08\x0B\x0E-\x1F\x7F\u206A-\u206F\uFEFF\uFFF9-\uFFFC]/g;

function fixSegment(text: string, unescape: boolean): string {
  for (;;) {
    const before = text;
    if (unescape) text = ftfyUnescapeHtml(text);
    text = text.replace(C1_RE, (c) => CP1252_C1[c.charCodeAt(0) - 0x80]!);
    text = text.replace(LIGATURE_RE, (c) => LIGATURES[c] ?? c);
    const wm = getWidthMap();
    text = text.replace(WIDTH_RE, (c) => wm.get(c) ?? c);
    text = text.replace(DOUBLE_QUOTE_RE, '"').replace(SINGLE_QUOTE_RE, "'");
    text = text
      .replace(/\r\n/g, '\n')
      .replace(/[\r\u2028\u2029\x85]/g, '\n');
    text = text.replace(LONE_SURROGATE_RE, '\uFFFD');
    text = text.replace(ANSI_RE, '');
    text = text.replace(CONTROL_RE, '');
    text = text.normalize('NFC');
    if (text === before) return text;
  }
}

/** Printable ASCII plus tab, LF and FF, without '&': no ftfy step changes such text. */
const UNTOUCHED_BY_FTFY = /^[\t\n\f\x20-\x25\x27-\x7e]*$/;

/** The ftfy.fix_text subset described at the top of this file. */
export function fixText(text: string): string {
  if (UNTOUCHED_BY_FTFY.test(text)) return text;
  let out = '';
  let unescape = true;
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const stop = nl < 0 ? text.length : nl + 1;
    const segment = text.slice(pos, stop);
    if (unescape && segment.includes('<')) unescape = false;
    out += fixSegment(segment, unescape);
    pos = stop;
  }
  return out;
}

/** `basic_clean`: ftfy subset, html.unescape twice, strip. */
export function basicClean(text: string): string {
  return pyStrip(htmlUnescape(htmlUnescape(fixText(text))));
}

/**
 * The reference pre-tokeniser, compiled by OpenAI with the `regex` module and IGNORECASE:
 *   <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
 * Here the case-insensitivity is spelled out on the literals only (U+017F ſ folds to s), which
 * matches `regex`'s classification of every code point; its `\s` is Unicode White_Space (with
 * U+0085, without U+FEFF, unlike JS `\s`), and U+0345 (which folds to a Greek letter) is matched
 * by no alternative there, so it is dropped here too.
 */
export const PRETOKENIZE_RE =
  /<\|[sS\u017F][tT][aA][rR][tT][oO][fF][tT][eE][xX][tT]\|>|<\|[eE][nN][dD][oO][fF][tT][eE][xX][tT]\|>|'[sS\u017F]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]|\p{L}+|\p{N}|[^\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\p{L}\p{N}\u0345]+/gu;

/** Clean (and optionally lower-case) a text and split it into pre-tokens. */
export function pretokenize(text: string, lowercase = true): string[] {
  let t = whitespaceClean(basicClean(text));
  if (lowercase) t = t.toLowerCase();
  const out: string[] = [];
  for (const m of t.matchAll(PRETOKENIZE_RE)) out.push(m[0]);
  return out;
}
