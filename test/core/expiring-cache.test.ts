import { describe, expect, it } from '@jest/globals';
import { ExpiringCache } from '../../core/expiring-cache.ts';

describe('expiring cache', () => {
  it('cache - an entry is returned until it expires, then forgotten', () => {
    const cache = new ExpiringCache<string>(10);
    cache.set('token', 'claims', 1_000);
    expect(cache.get('token', 999)).toBe('claims');
    expect(cache.get('token', 1_000)).toBeUndefined();
    expect(cache.get('token', 500)).toBeUndefined(); // gone for good once seen expired
  });

  it('cache - at its bound the oldest entry makes room', () => {
    const cache = new ExpiringCache<number>(2);
    cache.set('a', 1, 10_000);
    cache.set('b', 2, 10_000);
    cache.set('c', 3, 10_000);
    expect([cache.get('a', 0), cache.get('b', 0), cache.get('c', 0)]).toEqual([undefined, 2, 3]);
  });
});
