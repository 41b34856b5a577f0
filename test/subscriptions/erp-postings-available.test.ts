import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createEvent, decodeEvent, eventSubject, parseEvent } from '../../core/events.ts';
import { isValidationError, type ValidationError } from '../../core/errors.ts';

function validationMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isValidationError(error)).toBe(true);
    return (error as ValidationError).message;
  }
  throw new Error('expected a ValidationError');
}

describe('ErpPostingsAvailable event', () => {
  it('erp postings available - lives on events.integration.erp_postings_available', () => {
    expect(eventSubject('ErpPostingsAvailable')).toBe('events.integration.erp_postings_available');
    expect(eventSubject('ErpPostingsAvailable', 't1')).toBe('t1.events.integration.erp_postings_available');
  });

  it('erp postings available - a valid event survives a JSON round trip', () => {
    const postingIds = [randomUUID(), randomUUID()];
    const event = createEvent({ type: 'ErpPostingsAvailable', data: { kind: 'GOODS_ISSUE', count: 2, postingIds }, source: 'outbox/erp', subject: 'erp-postings/GOODS_ISSUE' });
    expect(decodeEvent(JSON.stringify(event))).toEqual(event);
    expect(event.data).toEqual({ kind: 'GOODS_ISSUE', count: 2, postingIds });
  });

  it('erp postings available - an unknown kind, a zero count and more ids than count are refused by name', () => {
    const base = { id: randomUUID(), type: 'ErpPostingsAvailable', version: 1, source: 'test', occurredAt: new Date().toISOString(), subject: 'erp-postings/x' };
    expect(validationMessage(() => parseEvent({ ...base, data: { kind: 'INVOICE', count: 1, postingIds: [] } }))).toMatch(/^invalid ErpPostingsAvailable v1 data: data\.kind: /);
    expect(validationMessage(() => parseEvent({ ...base, data: { kind: 'SCRAP', count: 0, postingIds: [] } }))).toMatch(/^invalid ErpPostingsAvailable v1 data: data\.count: /);
    expect(validationMessage(() => parseEvent({ ...base, data: { kind: 'SCRAP', count: 1, postingIds: [randomUUID(), randomUUID()] } }))).toBe(
      'invalid ErpPostingsAvailable v1 data: data.postingIds: more postingIds than count',
    );
  });
});
