// The Rust planner caches plans per parsed document; authorization must not defeat that (by
// rewriting documents, as @envelop/generic-auth did), or every request is planned again.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { QueryPlanner } from '@graphql-hive/router-query-planner';
import { startHubUnderTest, type HubUnderTest } from '../support/hub.ts';

describe('query plan cache', () => {
  let hub: HubUnderTest;
  let plans = 0;
  const planAsync = QueryPlanner.prototype.planAsync;

  beforeAll(async () => {
    QueryPlanner.prototype.planAsync = function (...args: Parameters<typeof planAsync>) {
      plans += 1;
      return planAsync.apply(this, args);
    };
    hub = await startHubUnderTest('plan_cache');
  });
  afterAll(async () => {
    QueryPlanner.prototype.planAsync = planAsync;
    await hub.stop();
  });

  it('plans - identical authorized requests are planned once, a different query once more', async () => {
    const board = '{ productionOrders(first: 5) { edges { node { id material { description } line { name currentState { state } } } } } }';
    for (let i = 0; i < 5; i++) expect((await hub.query(board, {}, { role: 'viewer' })).errors).toBeUndefined();
    expect(plans).toBe(1);
    expect((await hub.query('{ lines(first: 3) { totalCount } }', {}, { role: 'viewer' })).errors).toBeUndefined();
    expect(plans).toBe(2);
  });

  it('plans - a forbidden request is refused before planning, and the next allowed one still hits the cache', async () => {
    const before = plans;
    const refused = await hub.query('{ productionOrders(first: 5) { edges { node { erpOrderNumber } } } }', {}, { role: 'partner', customerId: '00000000-0000-4000-8000-000000000000' });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await hub.query('{ lines(first: 3) { totalCount } }', {}, { role: 'admin' })).errors).toBeUndefined();
    expect(plans).toBe(before);
  });
});
