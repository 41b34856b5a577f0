import { describe, expect, it } from '@jest/globals';
import { createDeliveryQueue } from '../../gateway/subscriptions/delivery-queue.ts';

describe('subscriber delivery queue', () => {
  it('delivery queue - events reach a waiting reader directly and queued ones in order', async () => {
    const queue = createDeliveryQueue<number>({ capacity: 3, onOverflow: () => undefined });
    const first = queue.next();
    expect(queue.offer(1)).toBe(true);
    expect(await first).toEqual({ value: 1, done: false });
    queue.offer(2);
    queue.offer(3);
    queue.end();
    const rest: number[] = [];
    for await (const value of queue) rest.push(value);
    expect(rest).toEqual([2, 3]);
  });

  it('delivery queue - a reader `capacity` behind is cut off once, and the queue ends for it', async () => {
    let overflows = 0;
    let closes = 0;
    const queue = createDeliveryQueue<number>({ capacity: 2, onOverflow: () => overflows++, onClose: () => closes++ });
    expect([queue.offer(1), queue.offer(2), queue.offer(3), queue.offer(4)]).toEqual([true, true, false, false]);
    expect(overflows).toBe(1);
    expect(closes).toBe(1);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('delivery queue - return() from the socket side ends a pending read and refuses later events', async () => {
    let closes = 0;
    const queue = createDeliveryQueue<number>({ capacity: 2, onOverflow: () => undefined, onClose: () => closes++ });
    const pending = queue.next();
    await queue.return?.();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(queue.offer(1)).toBe(false);
    expect(closes).toBe(1);
  });
});
