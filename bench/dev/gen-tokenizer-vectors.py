#!/usr/bin/env python3
"""Dev-only: write the CLIP tokenizer test vectors and the HTML entity table.

    /usr/bin/python3 bench/dev/gen-tokenizer-vectors.py

Standard library only. This is a second, independent implementation of OpenAI's
`clip/simple_tokenizer.py` algorithm (written from the algorithm, not copied), used to
produce expected ids for test/model/tokenizer.test.ts:

  basic_clean      = ftfy.fix_text (the subset described below) -> html.unescape twice -> strip
  whitespace_clean = re.sub(r"\\s+", " ") -> strip
  lower-case, pre-tokenise with the reference pattern (a hand-written scanner here, since the
  stdlib `re` has no \\p{L}), bytes_to_unicode over each pre-token's UTF-8 bytes, BPE with the
  first 49152-256-2 merges of bpe_simple_vocab_16e6, '</w>' word-final suffix.

ftfy is not installed, so fix_text is emulated with the fixes of ftfy 6.x's default config that
are deterministic character rewrites: HTML entity unescaping ("auto": off from the first line
that contains '<'), C1 controls read as Windows-1252, Latin ligatures, full/half width forms,
curly quotes, line breaks, ANSI terminal escapes, control characters, NFC, repeated until
stable. Not emulated: fix_encoding (mojibake repair). The vectors therefore avoid mojibake.

The merges are the project's shipped copy of OpenAI's bpe_simple_vocab_16e6.txt.gz
(src/model/tokenizer/), read the way OpenAI's SimpleTokenizer reads it (gzip.open).

Also writes src/model/tokenizer/html-entities.ts: the HTML5 named character references from
this Python's `html.entities.html5` (the WHATWG list), which the TypeScript html.unescape needs.

If the third-party `regex` module happens to be importable, the hand-written pre-tokeniser is
cross-checked against the reference pattern compiled with it.
"""

import gzip
import html
import html.entities
import json
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VOCAB_GZ = ROOT / 'src' / 'model' / 'tokenizer' / 'bpe_simple_vocab_16e6.txt.gz'
OUT_VECTORS = ROOT / 'test' / 'fixtures' / 'tokenizer' / 'vectors.json'
OUT_ENTITIES = ROOT / 'src' / 'model' / 'tokenizer' / 'html-entities.ts'
CONTEXT_LENGTH = 77

# ---------------------------------------------------------------------------------------------
# Vocabulary


def read_merges_text():
    return gzip.open(VOCAB_GZ).read().decode('utf-8')


def byte_to_unicode_table():
    """The reference's reversible byte -> printable character map."""
    keep = (list(range(ord('!'), ord('~') + 1)) + list(range(ord('\xa1'), ord('\xac') + 1))
            + list(range(ord('\xae'), ord('\xff') + 1)))
    table = {}
    for b in keep:
        table[b] = chr(b)
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    # insertion order matters for the vocabulary: kept bytes first, then the shifted ones
    ordered = [(b, table[b]) for b in keep] + [(b, table[b]) for b in range(256) if b not in keep]
    return dict(ordered)


BYTE_TABLE = byte_to_unicode_table()
MERGE_LINES = read_merges_text().split('\n')[1:49152 - 256 - 2 + 1]
MERGES = [tuple(line.split()) for line in MERGE_LINES]
RANK = {pair: i for i, pair in enumerate(MERGES)}
VOCAB = list(BYTE_TABLE.values())
VOCAB = VOCAB + [v + '</w>' for v in VOCAB]
VOCAB += [a + b for a, b in MERGES]
VOCAB += ['<|startoftext|>', '<|endoftext|>']
TOKEN_ID = {tok: i for i, tok in enumerate(VOCAB)}
SOT = TOKEN_ID['<|startoftext|>']
EOT = TOKEN_ID['<|endoftext|>']
assert len(VOCAB) == 49408 and SOT == 49406 and EOT == 49407, (len(VOCAB), SOT, EOT)

# ---------------------------------------------------------------------------------------------
# ftfy.fix_text subset (see module docstring)

HTML5 = html.entities.html5


def _ftfy_entity_table():
    table = {}
    for name, value in HTML5.items():
        if not name.endswith(';'):
            continue
        table['&' + name] = value
        if name == name.lower():
            upper = '&' + name.upper()
            if html.unescape(upper) == upper:
                table[upper] = value.upper()
    return table


FTFY_ENTITIES = _ftfy_entity_table()
FTFY_ENTITY_RE = re.compile(r'&#?[0-9A-Za-z]{1,24};')


def ftfy_unescape(text):
    def one(m):
        s = m.group(0)
        if s in FTFY_ENTITIES:
            return FTFY_ENTITIES[s]
        if s.startswith('&#'):
            u = html.unescape(s)
            return s if ';' in u else u
        return s
    return FTFY_ENTITY_RE.sub(one, text)


LIGATURES = {
    0x132: 'IJ', 0x133: 'ij', 0x149: '\u02bcn',
    0x1f1: 'DZ', 0x1f2: 'Dz', 0x1f3: 'dz', 0x1c4: 'D\u017d', 0x1c5: 'D\u017e', 0x1c6: 'd\u017e',
    0x1c7: 'LJ', 0x1c8: 'Lj', 0x1c9: 'lj', 0x1ca: 'NJ', 0x1cb: 'Nj', 0x1cc: 'nj',
    0xfb00: 'ff', 0xfb01: 'fi', 0xfb02: 'fl', 0xfb03: 'ffi', 0xfb04: 'ffl', 0xfb05: '\u017ft', 0xfb06: 'st',
}
WIDTH = {0x3000: ' '}
for _cp in range(0xFF01, 0xFFF0):
    _alt = unicodedata.normalize('NFKC', chr(_cp))
    if _alt != chr(_cp):
        WIDTH[_cp] = _alt
CONTROL = {cp: None for cp in [*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F,
                               *range(0x206A, 0x2070), 0xFEFF, *range(0xFFF9, 0xFFFD)]}
ANSI_RE = re.compile('\x1b\\[((?:\\d|;)*)([a-zA-Z])')


def fix_c1(text):
    def one(m):
        return m.group(0).encode('latin-1').decode('cp1252', errors='ignore') or m.group(0)
    return re.sub('[\x80-\x9f]', one, text)


def fix_segment(text, unescape):
    while True:
        before = text
        if unescape:
            text = ftfy_unescape(text)
        text = fix_c1(text)
        text = text.translate(LIGATURES)
        text = text.translate(WIDTH)
        text = re.sub('[\u201c-\u201f]', '"', text)
        text = re.sub('[\u02bc\u2018-\u201b]', "'", text)
        text = (text.replace('\r\n', '\n').replace('\r', '\n').replace('\u2028', '\n')
                .replace('\u2029', '\n').replace('\x85', '\n'))
        text = ANSI_RE.sub('', text)
        text = text.translate(CONTROL)
        text = unicodedata.normalize('NFC', text)
        if text == before:
            return text


def fix_text(text):
    parts = []
    unescape = True
    pos = 0
    while pos < len(text):
        nl = text.find('\n', pos)
        stop = len(text) if nl < 0 else nl + 1
        segment = text[pos:stop]
        if '<' in segment:
            unescape = False
        parts.append(fix_segment(segment, unescape))
        pos = stop
    return ''.join(parts)


def basic_clean(text):
    text = fix_text(text)
    text = html.unescape(html.unescape(text))
    return text.strip()


def whitespace_clean(text):
    return re.sub(r'\s+', ' ', text).strip()

# ---------------------------------------------------------------------------------------------
# Pre-tokeniser: the reference pattern, case-insensitive, as a scanner


SPECIALS = ['<|startoftext|>', '<|endoftext|>']
CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]
# `regex`'s \s (Unicode White_Space), which is what the reference pattern uses.
PAT_SPACE = set([*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
                 0x2028, 0x2029, 0x202F, 0x205F, 0x3000])


def fold(ch):
    if ch == '\u017f':  # LATIN SMALL LETTER LONG S folds to s
        return 's'
    if ch == '\u212a':  # KELVIN SIGN folds to k
        return 'k'
    return ch.lower() if len(ch.lower()) == 1 else ch


def literal_at(text, i, lit):
    if i + len(lit) > len(text):
        return False
    return all(fold(text[i + k]) == lit[k] for k in range(len(lit)))


def is_letter(ch):
    return unicodedata.category(ch).startswith('L')


def is_number(ch):
    return unicodedata.category(ch).startswith('N')


def is_other(ch):
    # U+0345 folds to a Greek letter, so the case-insensitive negated class rejects it
    return not (ord(ch) in PAT_SPACE or is_letter(ch) or is_number(ch) or ch == '\u0345')


def pretokenize(text):
    out = []
    i = 0
    n = len(text)
    while i < n:
        hit = None
        for lit in SPECIALS + CONTRACTIONS:
            if literal_at(text, i, lit):
                hit = text[i:i + len(lit)]
                break
        if hit is None:
            ch = text[i]
            j = i
            if is_letter(ch):
                while j < n and is_letter(text[j]):
                    j += 1
            elif is_number(ch):
                j = i + 1
            elif is_other(ch):
                while j < n and is_other(text[j]):
                    j += 1
            if j == i:
                i += 1  # not matched by any alternative: findall skips it
                continue
            hit = text[i:j]
        out.append(hit)
        i += len(hit)
    return out

# ---------------------------------------------------------------------------------------------
# BPE


_memo = {'<|startoftext|>': ['<|startoftext|>'], '<|endoftext|>': ['<|endoftext|>']}


def bpe(word):
    if word in _memo:
        return _memo[word]
    parts = list(word[:-1]) + [word[-1] + '</w>']
    while len(parts) > 1:
        best = None
        best_rank = None
        for k in range(len(parts) - 1):
            r = RANK.get((parts[k], parts[k + 1]))
            if r is not None and (best_rank is None or r < best_rank):
                best_rank, best = r, (parts[k], parts[k + 1])
        if best is None:
            break
        merged = []
        k = 0
        while k < len(parts):
            if k + 1 < len(parts) and parts[k] == best[0] and parts[k + 1] == best[1]:
                merged.append(best[0] + best[1])
                k += 2
            else:
                merged.append(parts[k])
                k += 1
        parts = merged
    _memo[word] = parts
    return parts


def encode(text, lowercase=True):
    text = whitespace_clean(basic_clean(text))
    if lowercase:
        text = text.lower()
    ids = []
    for piece in pretokenize(text):
        mapped = ''.join(BYTE_TABLE[b] for b in piece.encode('utf-8'))
        ids.extend(TOKEN_ID[p] for p in bpe(mapped))
    return ids


def row(ids, context_length=CONTEXT_LENGTH):
    """OpenAI clip.tokenize(..., truncate=True): start, ids, end; cut keeping end last; zeros."""
    toks = [SOT] + ids + [EOT]
    if len(toks) > context_length:
        toks = toks[:context_length]
        toks[-1] = EOT
    return toks + [0] * (context_length - len(toks))

# ---------------------------------------------------------------------------------------------
# Cases


CIFAR10 = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']
CIFAR100 = [
    'apple', 'aquarium_fish', 'baby', 'bear', 'beaver', 'bed', 'bee', 'beetle', 'bicycle', 'bottle',
    'bowl', 'boy', 'bridge', 'bus', 'butterfly', 'camel', 'can', 'castle', 'caterpillar', 'cattle',
    'chair', 'chimpanzee', 'clock', 'cloud', 'cockroach', 'couch', 'crab', 'crocodile', 'cup',
    'dinosaur', 'dolphin', 'elephant', 'flatfish', 'forest', 'fox', 'girl', 'hamster', 'house',
    'kangaroo', 'keyboard', 'lamp', 'lawn_mower', 'leopard', 'lion', 'lizard', 'lobster', 'man',
    'maple_tree', 'motorcycle', 'mountain', 'mouse', 'mushroom', 'oak_tree', 'orange', 'orchid',
    'otter', 'palm_tree', 'pear', 'pickup_truck', 'pine_tree', 'plain', 'plate', 'poppy',
    'porcupine', 'possum', 'rabbit', 'raccoon', 'ray', 'road', 'rocket', 'rose', 'sea', 'seal',
    'shark', 'shrew', 'skunk', 'skyscraper', 'snail', 'snake', 'spider', 'squirrel', 'streetcar',
    'sunflower', 'sweet_pepper', 'table', 'tank', 'telephone', 'television', 'tiger', 'tractor',
    'train', 'trout', 'tulip', 'turtle', 'wardrobe', 'whale', 'willow_tree', 'wolf', 'woman', 'worm',
]
TEMPLATES = ['a photo of a {}.', 'a blurry photo of the {}.', 'itap of my {}.']

LONG = ('A very long caption that keeps going: the quick brown fox jumps over the lazy dog, '
        'then the dog chases the fox around the old red barn while the farmer, who is 1234 '
        'years old, watches from the porch and sips lemonade, thinking about tomorrow\'s market, '
        'the weather, the price of grain, and whether the tractor will start this time.')

MISC = [
    # plain prompts
    ('plain', 'a photo of a dog'),
    ('plain', 'a photo of a dog.'),
    ('plain', 'a photo of a cat.'),
    ('plain', 'A photo of a DOG.'),
    ('plain', 'an origami {}.'),
    ('plain', 'a sketch of a hummingbird in flight'),
    ('plain', 'the number: "7".'),
    ('plain', 'a photo of the number: "3".'),
    ('plain', 'a close-up photo of a well-worn leather boot'),
    ('plain', 'satellite imagery of farmland'),
    ('plain', 'a photo of a t-shirt/top, a type of clothing.'),
    ('plain', 'hello world'),
    ('plain', 'ThisIsCamelCase and snake_case and kebab-case'),
    # punctuation
    ('punct', 'Hello, world! How are you?'),
    ('punct', '...!!!???'),
    ('punct', 'a -- b --- c'),
    ('punct', '(parenthesised) [bracketed] {braced}'),
    ('punct', 'email@example.com https://example.org/path?q=1&r=2'),
    ('punct', '#hashtag @mention $5.99 100% 3*4=12'),
    ('punct', "quote's 'single' \"double\""),
    ('punct', '~`^|\\'),
    # contractions
    ('contraction', "it's"),
    ('contraction', "we'll go"),
    ('contraction', "I'm sure they're fine, you've seen it, she'd know, don't"),
    ('contraction', "IT'S WE'LL I'M"),
    ('contraction', "rock'n'roll"),
    ('contraction', "''s"),
    ('contraction', "'twas"),
    # numbers
    ('number', '1234'),
    ('number', 'a 2019 photo of 3 dogs'),
    ('number', '3.14159'),
    ('number', '1,000,000'),
    ('number', '10x zoom at 50mm f/1.8'),
    ('number', '\u00bd cup and \u2154 \u2460'),
    ('number', '\u0663\u0664\u0665 \u4e09'),
    # unicode
    ('unicode', 'caf\u00e9'),
    ('unicode', 'cafe\u0301'),
    ('unicode', 'na\u00efve r\u00e9sum\u00e9 \u00fcber stra\u00dfe'),
    ('unicode', '\u00c9COLE'),
    ('unicode', '\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8'),
    ('unicode', '\u4e00\u53ea\u732b'),
    ('unicode', '\ud55c\uad6d\uc5b4 \ubb38\uc7a5'),
    ('unicode', '\u0440\u0443\u0441\u0441\u043a\u0438\u0439 \u0442\u0435\u043a\u0441\u0442'),
    ('unicode', '\u0395\u039b\u039b\u0397\u039d\u0399\u039a\u0391 \u039f\u0394\u039f\u03a3'),
    ('unicode', '\u0627\u0644\u0639\u0631\u0628\u064a\u0629'),
    ('unicode', '\u0939\u093f\u0928\u094d\u0926\u0940'),
    ('unicode', 'a photo of a \U0001f436'),
    ('unicode', '\U0001f600\U0001f602\U0001f44d\U0001f3fd'),
    ('unicode', '\U0001f468\u200d\U0001f469\u200d\U0001f467 family'),
    ('unicode', '\u2615 coffee \u2764\ufe0f'),
    ('unicode', '\u00a9 2024 \u2122 \u00ae'),
    ('unicode', '\u20ac50 \u00a3 \u00a5'),
    ('unicode', 'math: \u2200x \u2208 \u211d, x\u00b2 \u2265 0'),
    # ftfy-style fixes (deterministic ones)
    ('ftfy', 'it\u2019s \u201cquoted\u201d'),
    ('ftfy', '\u2018single\u2019 and \u201edouble\u201f'),
    ('ftfy', '\ufb01sh and \ufb02ower'),
    ('ftfy', '\uff2c\uff2f\uff35\uff24\u3000\uff2e\uff2f\uff29\uff33\uff25\uff33'),
    ('ftfy', '\uff76\uff80\uff76\uff85'),
    ('ftfy', '\ufeffhello'),
    ('ftfy', '\x1b[31mred\x1b[0m text'),
    ('ftfy', 'a\x00b\x07c'),
    ('ftfy', 'P&EACUTE;REZ'),
    ('ftfy', 'it&rsquo;s'),
    ('ftfy', '&#x2019; &#8220;hi&#8221;'),
    ('ftfy', '&#150; dash'),
    # HTML entities
    ('html', '&amp;'),
    ('html', '&amp;amp;'),
    ('html', '&amp;amp;amp;amp;'),
    ('html', 'fish &amp; chips'),
    ('html', '&lt;b&gt;bold&lt;/b&gt;'),
    ('html', '<b>bold</b> &amp;amp; more'),
    ('html', 'caf&eacute;'),
    ('html', '&copy; &reg; &trade;'),
    ('html', '&#39;quoted&#39;'),
    ('html', '&#x1F600;'),
    ('html', '&amp no semicolon &lt3'),
    ('html', '&notit; &notin; &not'),
    ('html', '&unknown; &'),
    ('html', 'first line\n<tag> &amp; second'),
    # whitespace
    ('whitespace', '   leading and trailing   '),
    ('whitespace', 'tabs\tand\nnewlines\r\nand\r\rreturns'),
    ('whitespace', 'many     spaces     between'),
    ('whitespace', 'non\u00a0breaking\u2003em\u3000ideographic'),
    ('whitespace', '\t\n \r'),
    ('whitespace', ''),
    ('whitespace', ' '),
    # case
    ('case', 'UPPER CASE TEXT'),
    ('case', 'MiXeD CaSe WoRdS'),
    ('case', '\u03a3\u0399\u03a3\u03a5\u03a6\u039f\u03a3'),
    ('case', '\u0130stanbul'),
    # special tokens written in the text
    ('special', '<|endoftext|>'),
    ('special', 'before <|startoftext|> after'),
    ('special', '<|ENDOFTEXT|>'),
    # single characters and oddities
    ('odd', 'a'),
    ('odd', 'I'),
    ('odd', '.'),
    ('odd', 'x\u0345y'),
    ('odd', 'supercalifragilisticexpialidocious'),
    ('odd', 'pneumonoultramicroscopicsilicovolcanoconiosis'),
    ('odd', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'),
    ('odd', 'lowlowlowlowlowlowlow newer newest widest'),
    ('odd', 'zzyzx qwxz jjjj'),
    # truncation
    ('long', LONG),
    ('long', LONG * 3),
    ('long', ' '.join(['a'] * 74)),
    ('long', ' '.join(['a'] * 75)),
    ('long', ' '.join(['a'] * 76)),
    ('long', ' '.join(['a'] * 100)),
    ('long', '1' * 200),
]


# Inputs for Python's html.unescape, compared verbatim with the TypeScript port.
HTML_UNESCAPE = [
    'plain', '&amp;', '&amp', '&AMP;', '&AMP', '&Amp;', '&lt;3 &gt', '&notit;', '&notin;', '&not',
    '&noti', '&eacute;', '&eacute', '&EACUTE;', '&Eacute;', '&hellip;', '&NotEqualTilde;',
    '&#65;', '&#065', '&#x41;', '&#X41', '&#x;', '&#;', '&#', '&#0;', '&#13;', '&#x80;', '&#129;',
    '&#x9F;', '&#1;', '&#x7f;', '&#xb;', '&#xFDD0;', '&#xFFFE;', '&#x1FFFF;', '&#xD800;',
    '&#x110000;', '&#99999999999999999999;', '&#x1F600;', '&#128512;', '&unknown;', '& amp;',
    '&&amp;;', 'a&b', '&a', '&ab;', '&abcdefghijklmnopqrstuvwxyzabcdefghij;',
    '&\u00e9acute;', '&gt;&gt;&lt;', '&amp;amp;', '&quot;x&quot;', '&apos;', '&#39;', '&nbsp;x',
    '&frac12;&frac34', '&sup2;', '&copy2024', '&TRADE;', '&trade;',
]


def cross_check_with_regex(texts):
    try:
        import regex  # noqa: F401  (optional, third-party)
    except ImportError:
        return False
    import regex
    pat = regex.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
                        regex.IGNORECASE)
    for t in texts:
        clean = whitespace_clean(basic_clean(t)).lower()
        want = pat.findall(clean)
        got = pretokenize(clean)
        assert want == got, (t, want, got)
    return True


def fmt_case(case):
    return json.dumps(case, ensure_ascii=True, separators=(', ', ': '))


def write_vectors():
    cases = []
    for group, text in MISC:
        ids = encode(text)
        clean = whitespace_clean(basic_clean(text)).lower()
        cases.append({'group': group, 'text': text, 'clean': clean, 'ids': ids, 'row': row(ids)})
    for name in CIFAR10:
        for tpl in TEMPLATES + ['a low contrast photo of a {}.', 'a photo of the big {}.']:
            text = tpl.format(name)
            cases.append({'group': 'cifar10', 'text': text, 'ids': encode(text)})
    for name in CIFAR100:
        for tpl in TEMPLATES:
            text = tpl.format(name.replace('_', ' '))
            cases.append({'group': 'cifar100', 'text': text, 'ids': encode(text)})
        cases.append({'group': 'cifar100', 'text': name, 'ids': encode(name)})
    for text in ['Case Kept', "IT'S A Photo", 'MiXeD <|ENDOFTEXT|>']:
        cases.append({'group': 'no-lowercase', 'text': text, 'lowercase': False,
                      'ids': encode(text, lowercase=False)})
    checked = cross_check_with_regex([c['text'] for c in cases])
    doc = {
        'about': ('Expected CLIP BPE ids (OpenAI simple_tokenizer algorithm, bpe_simple_vocab_16e6) '
                  'written by bench/dev/gen-tokenizer-vectors.py. "ids" are encode(text) without '
                  'start/end tokens; "row" is clip.tokenize(text, context_length=77, truncate=True).'),
        'python': sys.version.split()[0],
        'unicode': unicodedata.unidata_version,
        'pretokenizerCheckedWithRegex': checked,
        'contextLength': CONTEXT_LENGTH,
        'sot': SOT,
        'eot': EOT,
    }
    lines = ['{']
    for k, v in doc.items():
        lines.append(f'  {json.dumps(k)}: {json.dumps(v)},')
    unescape = [[t, html.unescape(t)] for t in HTML_UNESCAPE]
    lines.append('  "htmlUnescape": [')
    lines.append(',\n'.join('    ' + json.dumps(pair, ensure_ascii=True) for pair in unescape))
    lines.append('  ],')
    lines.append('  "cases": [')
    lines.append(',\n'.join('    ' + fmt_case(c) for c in cases))
    lines.append('  ]')
    lines.append('}')
    OUT_VECTORS.parent.mkdir(parents=True, exist_ok=True)
    OUT_VECTORS.write_text('\n'.join(lines) + '\n', encoding='utf-8')
    json.loads(OUT_VECTORS.read_text(encoding='utf-8'))
    print(f'wrote {OUT_VECTORS.relative_to(ROOT)}: {len(cases)} cases (regex cross-check: {checked})')


def write_entities():
    items = sorted(HTML5.items())
    body = []
    line = '  '
    for name, value in items:
        entry = f'{json.dumps(name)}: {json.dumps(value)}, '
        if len(line) + len(entry) > 110:
            body.append(line.rstrip())
            line = '  '
        line += entry
    body.append(line.rstrip())
    text = (
        '// Generated by bench/dev/gen-tokenizer-vectors.py from Python ' + sys.version.split()[0]
        + "'s html.entities.html5\n"
        '// (the WHATWG HTML5 named character references, with and without the trailing semicolon).\n'
        '// Data only; do not edit by hand.\n'
        '/* eslint-disable */\n'
        'export const HTML5_ENTITIES: Readonly<Record<string, string>> = {\n'
        + '\n'.join(body) + '\n};\n'
    )
    OUT_ENTITIES.write_text(text, encoding='utf-8')
    print(f'wrote {OUT_ENTITIES.relative_to(ROOT)}: {len(items)} entities')


if __name__ == '__main__':
    write_vectors()
    write_entities()
