import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createEvent } from '../../core/events.ts';
import { hasErrorCode } from '../../core/errors.ts';
import { accessContextKey, eventGate } from '../../gateway/subscriptions/event-access.ts';

const ownCustomer = randomUUID();
const otherCustomer = randomUUID();
const siteA = randomUUID();
const siteB = randomUUID();
const partner = { sub: 'p', role: 'partner' as const, customerId: ownCustomer };

const order = (customerId: string | null, orderId = randomUUID()) =>
  createEvent({ type: 'OrderStatusChanged', data: { orderId, customerId, lineId: null, status: 'IN_PROGRESS', previousStatus: 'RELEASED', changedAt: new Date().toISOString() }, source: 't', subject: 'order/x' });
const lineState = (siteId: string) =>
  createEvent({ type: 'LineStateChanged', data: { lineId: randomUUID(), siteId, assetId: randomUUID(), state: 'RUNNING', previousState: 'IDLE', since: new Date().toISOString(), reasonCode: null, orderId: null }, source: 't', subject: 'line/x' });
const alarm = (siteId: string, severity: 'INFO' | 'WARNING' | 'CRITICAL') =>
  createEvent({ type: 'AlarmRaised', data: { alarmId: randomUUID(), assetId: randomUUID(), lineId: randomUUID(), siteId, code: 'X', severity, message: 'm', raisedAt: new Date().toISOString() }, source: 't', subject: 'alarm/x' });

function forbiddenMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(hasErrorCode(error, 'FORBIDDEN')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected FORBIDDEN');
}

describe('subscription access', () => {
  it('access - a partner wildcard subscription passes only its own customer, on every event', () => {
    const gate = eventGate('orderStatusChanged', {}, partner);
    expect(gate(order(ownCustomer))).toBe(true);
    expect(gate(order(otherCustomer))).toBe(false);
    expect(gate(order(null))).toBe(false);
  });

  it('access - a partner naming another customer is refused with FORBIDDEN; naming its own is filtered by it', () => {
    expect(forbiddenMessage(() => eventGate('orderStatusChanged', { customerId: otherCustomer }, partner))).toBe('a partner may only subscribe to its own customer');
    const gate = eventGate('orderStatusChanged', { customerId: ownCustomer }, partner);
    expect(gate(order(ownCustomer))).toBe(true);
    expect(gate(order(otherCustomer))).toBe(false);
  });

  it('access - a partner asking for one order of another customer gets nothing of it', () => {
    const foreign = order(otherCustomer);
    expect(eventGate('orderStatusChanged', { orderId: foreign.data.orderId }, partner)(foreign)).toBe(false);
  });

  it('access - a partner may not subscribe to line states, alarms or ERP postings', () => {
    expect(forbiddenMessage(() => eventGate('lineStateChanged', {}, partner))).toBe('role partner may not subscribe to lineStateChanged');
    expect(forbiddenMessage(() => eventGate('alarmRaised', {}, partner))).toBe('role partner may not subscribe to alarmRaised');
    expect(forbiddenMessage(() => eventGate('erpPostingsAvailable', {}, partner))).toBe('role partner may not subscribe to erpPostingsAvailable');
  });

  it('access - a viewer limited to a site gets only that site, and may not ask for another', () => {
    const viewer = { sub: 'v', role: 'viewer' as const, siteIds: [siteA] };
    const gate = eventGate('lineStateChanged', {}, viewer);
    expect(gate(lineState(siteA))).toBe(true);
    expect(gate(lineState(siteB))).toBe(false);
    expect(forbiddenMessage(() => eventGate('alarmRaised', { siteId: siteB }, viewer))).toBe(`this token may not see site ${siteB}`);
  });

  it('access - alarms below minSeverity are held back; a token without siteIds sees every site', () => {
    const gate = eventGate('alarmRaised', { minSeverity: 'WARNING' }, { sub: 'o', role: 'operator' });
    expect(gate(alarm(siteB, 'INFO'))).toBe(false);
    expect(gate(alarm(siteB, 'WARNING'))).toBe(true);
    expect(gate(alarm(siteA, 'CRITICAL'))).toBe(true);
  });

  it('access - ERP postings only for integration roles, filtered by kind', () => {
    const gate = eventGate('erpPostingsAvailable', { kind: 'SCRAP' }, { sub: 'e', role: 'erp-adapter' });
    const posting = (kind: 'SCRAP' | 'GOODS_ISSUE') => createEvent({ type: 'ErpPostingsAvailable', data: { kind, count: 1, postingIds: [] }, source: 't', subject: 'erp' });
    expect(gate(posting('SCRAP'))).toBe(true);
    expect(gate(posting('GOODS_ISSUE'))).toBe(false);
    expect(forbiddenMessage(() => eventGate('erpPostingsAvailable', {}, { sub: 'v', role: 'viewer' }))).toBe('role viewer may not subscribe to erpPostingsAvailable');
  });

  it('access - the resolution context key ignores who the caller is but not what it may see', () => {
    expect(accessContextKey({ sub: 'a', role: 'viewer', siteIds: [siteA, siteB] })).toBe(accessContextKey({ sub: 'b', role: 'viewer', siteIds: [siteB, siteA] }));
    expect(accessContextKey({ sub: 'a', role: 'viewer' })).not.toBe(accessContextKey({ sub: 'a', role: 'viewer', siteIds: [siteA] }));
    expect(accessContextKey(partner)).not.toBe(accessContextKey({ ...partner, customerId: otherCustomer }));
  });
});
