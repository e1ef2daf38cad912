/**
 * results.json text: indented like `JSON.stringify(v, null, 2)`, except that an array of numbers stays on one
 * line. With ImageNet's 1,000 classes every confusion matrix holds 1,000,000 numbers; one per indented line
 * made a run's text pass V8's string limit ("Invalid string length") after the compute was done.
 */
export function resultsJson(value: unknown): string {
  const parts: string[] = [];
  const write = (raw: unknown, indent: string): void => {
    const v = raw !== null && typeof raw === 'object' && typeof (raw as { toJSON?: unknown }).toJSON === 'function' ? (raw as { toJSON: () => unknown }).toJSON() : raw;
    if (v === null || typeof v !== 'object') {
      parts.push(JSON.stringify(v) ?? 'null');
      return;
    }
    const inner = `${indent}  `;
    if (Array.isArray(v)) {
      if (v.every((x) => typeof x === 'number' || x === null)) {
        parts.push(JSON.stringify(v));
        return;
      }
      parts.push('[\n');
      v.forEach((x, i) => {
        parts.push(inner);
        write(x === undefined || typeof x === 'function' ? null : x, inner);
        parts.push(i < v.length - 1 ? ',\n' : '\n');
      });
      parts.push(`${indent}]`);
      return;
    }
    const entries = Object.entries(v).filter(([, x]) => x !== undefined && typeof x !== 'function' && typeof x !== 'symbol');
    if (entries.length === 0) {
      parts.push('{}');
      return;
    }
    parts.push('{\n');
    entries.forEach(([k, x], i) => {
      parts.push(`${inner}${JSON.stringify(k)}: `);
      write(x, inner);
      parts.push(i < entries.length - 1 ? ',\n' : '\n');
    });
    parts.push(`${indent}}`);
  };
  write(value, '');
  return parts.join('');
}
