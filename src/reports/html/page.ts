/**
 * The HTML shell shared by the run report and the combined report: one self-contained file (inline
 * CSS, images as data: URIs, no scripts, no external fonts), readable on a laptop and printable.
 */
export const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Already-escaped HTML for a table cell (e.g. a hash in <code>, which may wrap anywhere). */
export interface Html {
  html: string;
}
const cell = (c: string | Html) => (typeof c === 'string' ? esc(c) : c.html);

export function table(header: string[], rows: (string | Html)[][]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** A definition list of key → value (values already escaped HTML). */
export const defs = (pairs: [string, string][]) => `<dl>${pairs.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;

export const code = (s: unknown) => `<code>${esc(s)}</code>`;

/** Figures in page order: full-width ones alone, consecutive `pair` ones two to a row. */
export function figures(plots: { png: Buffer; caption: string; file: string; pair?: boolean }[]): string {
  const out: string[] = [];
  for (let i = 0; i < plots.length; i++) {
    if (plots[i].pair && plots[i + 1]?.pair) {
      out.push(`<div class="pair">${figure(plots[i].png, plots[i].caption, plots[i].file)}${figure(plots[i + 1].png, plots[i + 1].caption, plots[i + 1].file)}</div>`);
      i++;
    } else out.push(figure(plots[i].png, plots[i].caption, plots[i].file));
  }
  return out.join('\n');
}

export function figure(png: Buffer, caption: string, file?: string): string {
  return `<figure><img alt="${esc(caption)}" src="data:image/png;base64,${png.toString('base64')}"><figcaption>${esc(caption)}${file ? ` (${code(`plots/${file}`)})` : ''}</figcaption></figure>`;
}

const CSS = `
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1d1d1f; max-width: 1180px; margin: 0 auto; padding: 1.5rem 2rem 4rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; } h2 { border-bottom: 2px solid #ddd; padding-bottom: .2rem; margin-top: 2.4rem; } h3 { margin-top: 1.6rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d0d0d0; padding: .25rem .55rem; text-align: left; vertical-align: top; }
th { background: #f2f4f7; } tbody tr:nth-child(even) { background: #fafbfc; }
td { overflow-wrap: break-word; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .88em; background: #f4f4f4; padding: 0 .2em; overflow-wrap: anywhere; }
figure { margin: 1rem 0 1.8rem; } figure img { max-width: 100%; height: auto; border: 1px solid #e3e3e3; }
figcaption { font-size: .9em; color: #555; }
.banner { background: #fff4e5; border: 1px solid #f0b35a; padding: .6rem .9rem; border-radius: 4px; }
.warnings li { margin: .25rem 0; }
.scroll { max-height: 32rem; overflow: auto; border: 1px solid #e3e3e3; width: fit-content; max-width: 100%; }
.scroll table { margin: 0; }
.mixed { background: #fde2e2 !important; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 0 1.5rem; align-items: start; }
figure img { display: block; } figure:not(.pair figure) img { max-width: min(100%, 1000px); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dt { font-weight: 600; } dd { margin: 0; }
nav ul { columns: 2; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  .scroll { max-height: none; overflow: visible; border: 0; }
  figure, table { break-inside: avoid; } h2, h3 { break-after: avoid; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
}`;

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
