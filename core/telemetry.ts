// The telemetry contract: what a device (or edge gateway, or the plant simulator) publishes on
// `telemetry.<site>.<line>.<asset>`. One message carries one reading or a batch; the message's
// Nats-Msg-Id is the reading id (or the batch id), so JetStream drops duplicate publishes.
// Described in docs/CONTRACT.md; validated by the ingest worker before anything is stored.
import { z } from 'zod';
import { ValidationError } from './errors.ts';

export const TELEMETRY_VERSION = 1;
/** Readings per message; a bigger batch is split by the publisher. */
export const MAX_READINGS_PER_MESSAGE = 1_000;
/** Clocks drift; a reading further in the future than this is refused (dead letter). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1_000; // 5 minutes

export const readingQualities = ['GOOD', 'UNCERTAIN', 'BAD'] as const;

export const readingSchema = z.object({
  /** Unique per reading, chosen by the device (e.g. `<device>-<sequence>`); replays reuse it. */
  readingId: z.string().min(1).max(120),
  /** The line or work cell (assets.line / assets.work_cell id) the tag belongs to. */
  assetId: z.string().uuid(),
  /** Tag name as in master data (assets.tag.name), e.g. `spindle_temperature`, `count_good`. */
  tag: z.string().min(1).max(100),
  /** Numbers for measurements and counters, strings for states and reason codes. */
  value: z.union([z.number().finite(), z.string().min(1).max(200), z.boolean()]),
  unit: z.string().max(20).optional(),
  quality: z.enum(readingQualities).default('GOOD'),
  /** When it was measured, ISO 8601 with offset. */
  timestamp: z.string().datetime({ offset: true }),
});

export const telemetryMessageSchema = z.object({
  version: z.literal(TELEMETRY_VERSION),
  /** Device identity (assets.device.identity), for the audit trail. */
  deviceId: z.string().min(1).max(120).optional(),
  readings: z.array(readingSchema).min(1).max(MAX_READINGS_PER_MESSAGE),
});

export type Reading = z.output<typeof readingSchema>;
export type TelemetryMessage = z.output<typeof telemetryMessageSchema>;
export type TelemetryMessageInput = z.input<typeof telemetryMessageSchema>;

/** `telemetry.<site>.<line>.<asset>` with codes in lower case; the prefix keeps tests apart. */
export function telemetrySubject(site: string, line: string, asset: string, prefix = ''): string {
  const part = (code: string) => code.toLowerCase().replace(/[^a-z0-9_-]/g, '_');
  return `${prefix ? `${prefix}.` : ''}telemetry.${part(site)}.${part(line)}.${part(asset)}`;
}

/** Why a telemetry message was dead-lettered (the `reason_code` of integration.dead_letter). */
export const telemetryRejections = ['INVALID_JSON', 'SCHEMA_VIOLATION', 'FUTURE_TIMESTAMP', 'UNKNOWN_ASSET'] as const;
export type TelemetryRejection = (typeof telemetryRejections)[number];

export type TelemetryCheck = { ok: true; message: TelemetryMessage } | { ok: false; code: TelemetryRejection; reason: string };

/**
 * Decode and validate one message body without throwing: the ingest worker turns a refusal into a
 * dead letter with its code and reason. `now` bounds future timestamps. (Unknown assets need the
 * database; the worker checks those.)
 */
export function checkTelemetry(body: Uint8Array | string, now = Date.now()): TelemetryCheck {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, code: 'INVALID_JSON', reason: `telemetry body is not valid JSON: ${(error as Error).message}` };
  }
  const parsed = telemetryMessageSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      code: 'SCHEMA_VIOLATION',
      reason: `invalid telemetry message: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
    };
  }
  const future = parsed.data.readings.find((reading) => Date.parse(reading.timestamp) > now + MAX_CLOCK_SKEW_MS);
  if (future) return { ok: false, code: 'FUTURE_TIMESTAMP', reason: `reading ${future.readingId} is from the future (${future.timestamp})` };
  return { ok: true, message: parsed.data };
}

/** Like `checkTelemetry`, but throws ValidationError naming every bad field. */
export function decodeTelemetry(body: Uint8Array | string, now = Date.now()): TelemetryMessage {
  const checked = checkTelemetry(body, now);
  if (!checked.ok) throw new ValidationError(checked.reason, { details: { reasonCode: checked.code } });
  return checked.message;
}
