/** One help layout for every command: Usage line, description, options (or commands), examples. */
import type { Flags } from './flags.ts';

export interface HelpSpec {
  usage: string;
  description: string;
  /** Rows of [left column, text]; text may hold '\n' for continuation lines. */
  sections: { title: string; rows: [string, string][] }[];
  examples: string[];
  footer?: string;
}

export function formatHelp(spec: HelpSpec): string {
  const parts = [`Usage: ${spec.usage}`, spec.description.trim()];
  for (const s of spec.sections) if (s.rows.length) parts.push(`${s.title}:\n${formatRows(s.rows)}`);
  if (spec.footer) parts.push(spec.footer.trim());
  if (spec.examples.length) parts.push(`Examples:\n${spec.examples.map((e) => `  ${e}`).join('\n')}`);
  return `${parts.join('\n\n')}\n`;
}

/** Help rows for a flag table: `-m, --model <m>` and its text. */
export function flagRows(flags: Flags): [string, string][] {
  return Object.entries(flags).map(([name, f]) => [`${f.short ? `-${f.short}, ` : ''}--${name}${f.value ? ` ${f.value}` : ''}`, f.help]);
}

function formatRows(rows: [string, string][]): string {
  const width = Math.min(Math.max(...rows.map(([l]) => l.length)), 28) + 2;
  return rows
    .map(([left, text]) => {
      const [first, ...more] = text.split('\n');
      const head = left.length + 2 > width ? `  ${left}\n${' '.repeat(width + 2)}${first}` : `  ${left.padEnd(width)}${first}`;
      return [head, ...more.map((m) => `${' '.repeat(width + 2)}${m}`)].join('\n');
    })
    .join('\n');
}
