import { OwnWrites } from './own-writes.js';

const obj = (rv: string, v: string) => ({ metadata: { resourceVersion: rv }, v });

it('reads its own newer write until the cache catches up, then the cache', () => {
  const w = new OwnWrites<ReturnType<typeof obj>>();
  expect(w.fresher('k', obj('5', 'cache')).v).toBe('cache');
  w.remember('k', obj('7', 'mine'));
  w.remember('k', obj('6', 'older write')); // never goes back
  expect(w.fresher('k', obj('5', 'cache')).v).toBe('mine');
  expect(w.fresher('k', obj('8', 'cache caught up')).v).toBe('cache caught up');
  expect(w.fresher('k', obj('5', 'stale cache again')).v).toBe('stale cache again'); // forgotten once caught up
  w.remember('k', obj('9', 'mine'));
  w.forget('k');
  expect(w.fresher('k', obj('5', 'cache')).v).toBe('cache');
});

it('a write in flight reads as written until it settles, unless the cache has moved past it', () => {
  const w = new OwnWrites<ReturnType<typeof obj>>();
  w.pending('k', obj('5', 'writing'));
  expect(w.fresher('k', obj('5', 'cache')).v).toBe('writing');
  expect(w.fresher('k', obj('6', 'someone else wrote')).v).toBe('someone else wrote');
  w.remember('k', obj('7', 'written'));
  w.settle('k');
  expect(w.fresher('k', obj('5', 'cache')).v).toBe('written');
  w.pending('k', obj('7', 'writing again'));
  w.settle('k'); // failed
  expect(w.fresher('k', obj('7', 'cache')).v).toBe('cache');
});
