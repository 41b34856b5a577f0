// The versioned event envelope ({ id, type, version, source, occurredAt, subject, data },
// CloudEvents-like) and the first domain event schemas. Every boundary (publish, consume, replay)
// validates with `parseEvent`; the contract is written out in docs/CONTRACT.md.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from './errors.ts';
import { erpPostingKinds } from './postings.ts';

export const equipmentStates = ['RUNNING', 'IDLE', 'DOWN', 'PLANNED_STOP', 'CHANGEOVER'] as const;
export const alarmSeverities = ['INFO', 'WARNING', 'CRITICAL'] as const;
export const orderStatuses = ['CREATED', 'RELEASED', 'IN_PROGRESS', 'ON_HOLD', 'COMPLETED', 'CANCELLED'] as const;

const id = z.string().uuid();
const timestamp = z.string().datetime({ offset: true });

/** Event types, each with its domain, NATS subject suffix and schema per version. */
export const eventCatalog = {
  LineStateChanged: {
    domain: 'assets',
    subjectType: 'line_state_changed',
    versions: {
      1: z.object({
        lineId: id,
        siteId: id,
        assetId: id,
        state: z.enum(equipmentStates),
        previousState: z.enum(equipmentStates).nullable(),
        since: timestamp,
        reasonCode: z.string().max(64).nullable(),
        orderId: id.nullable(),
        /** The telemetry reading that showed the change (audit trail); absent when a sweep inferred it from silence, and on events written before it was added. */
        readingId: z.string().min(1).optional(),
      }),
    },
  },
  AlarmRaised: {
    domain: 'maintenance',
    subjectType: 'alarm_raised',
    versions: {
      1: z.object({
        alarmId: id,
        assetId: id,
        lineId: id,
        siteId: id,
        code: z.string().min(1).max(64),
        severity: z.enum(alarmSeverities),
        message: z.string().max(500),
        raisedAt: timestamp,
        /** The telemetry reading that crossed the limit (audit trail); absent on alarms not raised by a reading, and on events written before it was added. */
        readingId: z.string().min(1).optional(),
      }),
    },
  },
  AlarmCleared: {
    domain: 'maintenance',
    subjectType: 'alarm_cleared',
    versions: {
      1: z.object({ alarmId: id, assetId: id, lineId: id, siteId: id, code: z.string().min(1).max(64), clearedAt: timestamp }),
    },
  },
  ThresholdCrossed: {
    domain: 'assets',
    subjectType: 'threshold_crossed',
    versions: {
      1: z.object({
        assetId: id,
        tagId: id,
        tagName: z.string(),
        value: z.number(),
        limit: z.enum(['LOW_ALARM', 'LOW_WARN', 'HIGH_WARN', 'HIGH_ALARM']),
        limitValue: z.number(),
        readingId: z.string(),
        observedAt: timestamp,
      }),
    },
  },
  OrderStatusChanged: {
    domain: 'orders',
    subjectType: 'order_status_changed',
    versions: {
      1: z.object({
        orderId: id,
        customerId: id.nullable(),
        lineId: id.nullable(),
        status: z.enum(orderStatuses),
        previousStatus: z.enum(orderStatuses).nullable(),
        changedAt: timestamp,
      }),
    },
  },
  // Quality (issue 7): a threshold crossing on a tag that measures a quality characteristic opens
  // an inspection lot and a hold on the order (and its material lot); the decision releases it.
  InspectionLotOpened: {
    domain: 'quality',
    subjectType: 'inspection_lot_opened',
    versions: {
      1: z.object({
        inspectionLotId: id,
        orderId: id.nullable(),
        materialLotId: id.nullable(),
        characteristicId: id,
        characteristicCode: z.string().min(1),
        assetId: id,
        lineId: id,
        siteId: id,
        origin: z.enum(['THRESHOLD', 'SCHEDULED', 'MANUAL']),
        holdId: id.nullable(),
        openedAt: timestamp,
      }),
    },
  },
  InspectionLotDecided: {
    domain: 'quality',
    subjectType: 'inspection_lot_decided',
    versions: {
      1: z.object({
        inspectionLotId: id,
        orderId: id.nullable(),
        materialLotId: id.nullable(),
        decision: z.enum(['ACCEPTED', 'REJECTED']),
        nonconformanceId: id.nullable(),
        releasedHoldIds: z.array(id),
        decidedAt: timestamp,
      }),
    },
  },
  // Raised from the outbox when postings are written, so ERP adapters pull (and acknowledge) at
  // once instead of polling; the postings themselves stay in integration.erp_posting.
  ErpPostingsAvailable: {
    domain: 'integration',
    subjectType: 'erp_postings_available',
    versions: {
      1: z
        .object({
          kind: z.enum(erpPostingKinds),
          count: z.number().int().positive(),
          postingIds: z.array(id).max(500),
        })
        .refine((data) => data.postingIds.length <= data.count, { message: 'more postingIds than count', path: ['postingIds'] }),
    },
  },
} as const;

export type EventType = keyof typeof eventCatalog;
type CatalogEntry<T extends EventType> = (typeof eventCatalog)[T];
export type EventVersion<T extends EventType> = keyof CatalogEntry<T>['versions'] & number;
type LatestSchema<T extends EventType> = CatalogEntry<T>['versions'][1];
/** The data of the current version of an event type. */
export type EventData<T extends EventType> = z.output<LatestSchema<T>>;

export const envelopeSchema = z.object({
  id: id.describe('Unique event id; also the Nats-Msg-Id, so republishing is deduplicated'),
  type: z.string().min(1),
  version: z.number().int().positive(),
  source: z.string().min(1).max(200).describe('What produced it: ingest/state-detector, subgraph/orders, …'),
  occurredAt: timestamp,
  subject: z.string().min(1).max(200).describe('The entity it is about, e.g. line/<uuid>'),
  data: z.unknown(),
});

export interface EventEnvelope<T extends EventType = EventType> {
  id: string;
  type: T;
  version: number;
  source: string;
  occurredAt: string;
  subject: string;
  data: EventData<T>;
}

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventCatalog, type);
}

/** Validate anything that claims to be an event; throws ValidationError naming every bad field. */
export function parseEvent(input: unknown): EventEnvelope {
  const envelope = envelopeSchema.safeParse(input);
  if (!envelope.success) throw new ValidationError(`invalid event envelope: ${formatIssues(envelope.error)}`);
  const { type, version } = envelope.data;
  if (!isEventType(type)) throw new ValidationError(`unknown event type "${type}"`, { details: { type } });
  const versions: Record<number, z.ZodType> = eventCatalog[type].versions;
  const dataSchema = versions[version];
  if (!dataSchema) throw new ValidationError(`unsupported version ${version} of ${type}`, { details: { type, version } });
  const data = dataSchema.safeParse(envelope.data.data);
  if (!data.success) throw new ValidationError(`invalid ${type} v${version} data: ${formatIssues(data.error, 'data')}`);
  return { ...envelope.data, type, data: data.data } as EventEnvelope;
}

/** Decode a NATS message body (UTF-8 JSON) into a validated event. */
export function decodeEvent(body: Uint8Array | string): EventEnvelope {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError('event body is not valid JSON', { cause: error });
  }
  return parseEvent(json);
}

export interface NewEvent<T extends EventType> {
  type: T;
  data: EventData<T>;
  source: string;
  subject: string;
  /** Pass a deterministic id when the same fact may be raised twice (replays), so NATS dedupes it. */
  id?: string;
  occurredAt?: Date;
}

/** Build a validated envelope in the current version of its type. */
export function createEvent<T extends EventType>(event: NewEvent<T>): EventEnvelope<T> {
  const envelope = {
    id: event.id ?? randomUUID(),
    type: event.type,
    version: 1,
    source: event.source,
    occurredAt: (event.occurredAt ?? new Date()).toISOString(),
    subject: event.subject,
    data: event.data,
  };
  return parseEvent(envelope) as EventEnvelope<T>;
}

/** `events.<domain>.<type>`, with the optional prefix tests use to keep their subjects apart. */
export function eventSubject(type: EventType, prefix = ''): string {
  const { domain, subjectType } = eventCatalog[type];
  return `${prefix ? `${prefix}.` : ''}events.${domain}.${subjectType}`;
}

function formatIssues(error: z.ZodError, root?: string): string {
  return error.issues
    .map((issue) => {
      const path = [root, ...issue.path.map(String)].filter(Boolean).join('.');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ');
}
