import { canonicalJson, sameJson } from './canonical.js';

describe('canonicalJson', () => {
  it('gives equal text for equal values whatever the order of their keys, at every depth', () => {
    const a = { phase: 'Running', metrics: { loss: 1, acc: 2 }, conditions: [{ type: 'A', status: 'True' }] };
    const b = { conditions: [{ status: 'True', type: 'A' }], metrics: { acc: 2, loss: 1 }, phase: 'Running' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(sameJson(a, b)).toBe(true);
  });

  it('keeps array order and leaves out undefined fields, as JSON does', () => {
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: '1' })).toBe(false);
    expect(canonicalJson({ b: [{ d: null, c: 'x' }], a: true })).toBe('{"a":true,"b":[{"c":"x","d":null}]}');
  });
});
