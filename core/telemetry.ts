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

// The fast path: a hand-written check of the common, well-formed shape that builds exactly what
// the schema would output (unknown keys dropped, quality defaulted). It may only ACCEPT what the
// schema accepts; anything it does not recognise (including every error) goes through zod, so
// refusals and their messages stay the schema's. The uuid and datetime patterns are zod's own.
const patternOf = (schema: z.ZodType): RegExp => {
  const patterns = (schema as unknown as { _zod: { bag: { patterns?: Set<RegExp> } } })._zod.bag.patterns;
  if (!patterns || patterns.size !== 1) throw new Error('telemetry: expected one pattern on the schema');
  return [...patterns][0]!;
};
const UUID_PATTERN = patternOf(readingSchema.shape.assetId);
const DATETIME_PATTERN = patternOf(readingSchema.shape.timestamp);
const QUALITIES: ReadonlySet<unknown> = new Set(readingQualities);
/** Asset ids seen valid (a fleet has few); bounded so garbage cannot grow it. */
const validAssetIds = new Set<string>();

const isText = (value: unknown, min: number, max: number): value is string => typeof value === 'string' && value.length >= min && value.length <= max;

function wellFormedReading(input: unknown): Reading | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const { readingId, assetId, tag, value, unit, quality, timestamp } = input as Record<string, unknown>;
  if (!isText(readingId, 1, 120) || !isText(tag, 1, 100) || typeof assetId !== 'string' || typeof timestamp !== 'string') return undefined;
  if (!(typeof value === 'number' ? Number.isFinite(value) : typeof value === 'boolean' || isText(value, 1, 200))) return undefined;
  if (unit !== undefined && !isText(unit, 0, 20)) return undefined;
  if (quality !== undefined && !QUALITIES.has(quality)) return undefined;
  if (!validAssetIds.has(assetId)) {
    if (!UUID_PATTERN.test(assetId)) return undefined;
    if (validAssetIds.size >= 10_000) validAssetIds.clear();
    validAssetIds.add(assetId);
  }
  if (!DATETIME_PATTERN.test(timestamp)) return undefined;
  // the schema's output, key order included
  const checkedQuality = (quality ?? 'GOOD') as Reading['quality'];
  const checkedValue = value as Reading['value'];
  if (unit === undefined) return { readingId, assetId, tag, value: checkedValue, quality: checkedQuality, timestamp };
  return { readingId, assetId, tag, value: checkedValue, unit: unit as string, quality: checkedQuality, timestamp };
}

function wellFormedMessage(json: unknown): TelemetryMessage | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const { version, deviceId, readings } = json as Record<string, unknown>;
  if (version !== TELEMETRY_VERSION || (deviceId !== undefined && !isText(deviceId, 1, 120))) return undefined;
  if (!Array.isArray(readings) || readings.length < 1 || readings.length > MAX_READINGS_PER_MESSAGE) return undefined;
  const out = new Array<Reading>(readings.length);
  for (let i = 0; i < readings.length; i += 1) {
    const reading = wellFormedReading(readings[i]);
    if (!reading) return undefined;
    out[i] = reading;
  }
  return deviceId === undefined ? { version: TELEMETRY_VERSION, readings: out } : { version: TELEMETRY_VERSION, deviceId: deviceId as string, readings: out };
}

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
  const fast = wellFormedMessage(json);
  const parsed = fast ? { success: true as const, data: fast } : telemetryMessageSchema.safeParse(json);
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
