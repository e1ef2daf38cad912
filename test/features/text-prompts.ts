/** A seeded prompt list of varied lengths (1 to about 30 tokens), with repeats, for the text tests. */
export function testPrompts(n: number): string[] {
  const words = ['cat', 'great white shark', 'tabby', 'Pembroke Welsh Corgi', 'ox', 'black-and-white colobus', 'ice cream', 'a', 'space shuttle'];
  const templates = ['a photo of a {}.', '{}', 'itap of my {}.', 'a low resolution photo of the {} in a very long sentence that keeps going on and on.', 'the {}!'];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 10 === 9) out.push(out[i - 5]);
    else out.push(templates[(i * 7) % templates.length].replace('{}', `${words[i % words.length]} ${i % 13 === 0 ? '' : Math.floor(i / 3)}`.trim()));
  }
  return out;
}
