import { describe, expect, it } from '@jest/globals';
import { createSubgraphDeadlines } from '../../gateway/subgraph-deadlines.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('subgraph deadlines', () => {
  it('deadlines - calls of one tick share a signal; it aborts with a timeout after timeout + tick', async () => {
    const deadlines = createSubgraphDeadlines(200, 1_000);
    const executor = new AbortController();
    const first = deadlines.signalFor(executor.signal);
    expect(deadlines.signalFor(executor.signal)).toBe(first);
    expect(deadlines.timeoutErrorFor(first, 'orders')).toBeUndefined();
    await sleep(1_300);
    expect(first.aborted).toBe(true);
    const error = deadlines.timeoutErrorFor(first, 'orders');
    expect(error?.extensions).toMatchObject({ code: 'TIMEOUT_ERROR', http: { status: 504 } });
    expect(error?.message).toBe('subgraph orders did not answer within 200 ms');
    // A later call gets a fresh signal, not the expired one.
    expect(deadlines.signalFor(executor.signal).aborted).toBe(false);
  });

  it('deadlines - a new tick gets a new signal, and each executor its own', async () => {
    const deadlines = createSubgraphDeadlines(10_000, 20);
    const orders = new AbortController();
    const assets = new AbortController();
    const early = deadlines.signalFor(orders.signal);
    expect(deadlines.signalFor(assets.signal)).not.toBe(early);
    await sleep(40);
    expect(deadlines.signalFor(orders.signal)).not.toBe(early);
  });

  it("deadlines - the executor's own abort passes through and is not called a timeout", () => {
    const deadlines = createSubgraphDeadlines(10_000);
    const executor = new AbortController();
    const signal = deadlines.signalFor(executor.signal);
    executor.abort(new Error('gateway disposed'));
    expect(signal.aborted).toBe(true);
    expect(deadlines.timeoutErrorFor(signal, 'orders')).toBeUndefined();
  });
});
