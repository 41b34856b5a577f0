// The four public subscription fields: which domain event feeds each one, and which root query
// field resolves the entity an event is about. Adding a subscription means one entry here, one
// field in the owning subgraph's SDL and one case in event-access.ts.
import type { EventEnvelope, EventType } from '../../core/events.ts';
import type { SubscriptionField } from './event-access.ts';

export interface SubscriptionFieldSource<T extends EventType = EventType> {
  /** The domain event that feeds the field. */
  eventType: T;
  /** The root query field that resolves the entity by `id` (its selection is the subscriber's). */
  entityQueryField: string;
  /** The entity ids an event is about; one result is delivered per id. */
  entityIds(event: EventEnvelope<T>): string[];
  /** Whether `since` (replay from the stream) is offered. */
  resumable: boolean;
}

function source<T extends EventType>(definition: SubscriptionFieldSource<T>): SubscriptionFieldSource {
  return definition as unknown as SubscriptionFieldSource;
}

export const subscriptionFields: Record<SubscriptionField, SubscriptionFieldSource> = {
  lineStateChanged: source({ eventType: 'LineStateChanged', entityQueryField: 'line', entityIds: (event) => [event.data.lineId], resumable: false }),
  alarmRaised: source({ eventType: 'AlarmRaised', entityQueryField: 'alarm', entityIds: (event) => [event.data.alarmId], resumable: false }),
  orderStatusChanged: source({ eventType: 'OrderStatusChanged', entityQueryField: 'productionOrder', entityIds: (event) => [event.data.orderId], resumable: true }),
  erpPostingsAvailable: source({ eventType: 'ErpPostingsAvailable', entityQueryField: 'erpPosting', entityIds: (event) => event.data.postingIds, resumable: false }),
};

export function isSubscriptionField(name: string): name is SubscriptionField {
  return Object.hasOwn(subscriptionFields, name);
}
