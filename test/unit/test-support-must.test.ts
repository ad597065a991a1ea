// The checked-access helpers the tests use instead of `!`: an absent value fails with a message naming it.
import { describe, expect, it } from 'vitest';
import { at, must } from '../support/must.js';

describe('must / at (test/support/must.ts)', () => {
  it('return what is there, falsy values included', () => {
    expect(must(0, 'zero')).toBe(0);
    expect(must('', 'empty string')).toBe('');
    expect(at(['a', 'b'], 1)).toBe('b');
    expect(at(['a', 'b'], -1)).toBe('b');
  });
  it('throw naming what is missing', () => {
    expect(() => must(undefined, 'the cloudinit volume')).toThrow('expected the cloudinit volume, but it is absent');
    expect(() => must(null, 'the YAML block')).toThrow('expected the YAML block, but it is null');
    expect(() => at([], 0, 'interface')).toThrow('expected interface [0], but the list has 0 element(s)');
    expect(() => at(['a'], 1, 'port')).toThrow('expected port [1], but the list has 1 element(s)');
  });
});
