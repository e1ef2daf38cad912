import { describe, expect, it } from 'vitest';
import { METHODS, parseMethods } from '../../../src/evaluation/methods/registry.ts';
import { UserError } from '../../../src/util/errors.ts';

describe('--methods parsing', () => {
  it('all gives every method in registry order; a list keeps registry order', () => {
    expect(parseMethods('all').map((m) => m.name)).toEqual(METHODS.map((m) => m.name));
    expect(parseMethods('wise,tip-adapter').map((m) => m.name)).toEqual(['tip-adapter', 'wise']);
  });

  it('an unknown name is an error even beside all (it is not silently dropped)', () => {
    expect(() => parseMethods('all,foo')).toThrow(UserError);
    expect(() => parseMethods('all,foo')).toThrow(/unknown method "foo"/);
    expect(() => parseMethods('tip-adapter,foo')).toThrow(/unknown method "foo"/);
  });
});
