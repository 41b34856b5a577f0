// Threshold rules: a measurement entering a warn or alarm band raises ThresholdCrossed and an
// alarm (maintenance.alarm, WARNING or CRITICAL) with AlarmRaised; leaving the band clears that
// alarm (AlarmCleared). The open alarm of an asset's tag is the remembered band, read under the
// asset's lock, so concurrent workers agree. Ids derive from the reading, so nothing is raised twice.
import { createEvent, type EventEnvelope } from '../../core/events.ts';
import { deterministicId } from '../deterministic-id.ts';
import { lockAssets } from '../asset-locks.ts';
import type { AssetTag, ReadingProcessor, StoredReading, TelemetryAsset } from '../pipeline.ts';
import { alarmCode, bandOf, bandOfAlarmCode, hasLimits, limitValue, severityOf, type Band } from './bands.ts';

export const THRESHOLD_EVENT_SOURCE = 'ingest/threshold-rules';

interface OpenAlarm {
  id: string;
  code: string;
  raisedAt: Date;
}

interface Measurement {
  asset: TelemetryAsset;
  tag: AssetTag;
  reading: StoredReading & { value: number };
}

export function createThresholdProcessor(): ReadingProcessor {
  return {
    name: 'threshold-rules',
    async process(readings, { client, assets }) {
      const measurements: Measurement[] = [];
      for (const reading of readings) {
        const asset = assets.get(reading.assetId);
        const tag = asset?.tags.get(reading.tag);
        if (!asset || !tag || reading.value === null || reading.quality === 'BAD' || !hasLimits(tag)) continue;
        measurements.push({ asset, tag, reading: reading as Measurement['reading'] });
      }
      if (measurements.length === 0) return [];
      await lockAssets(client, measurements.map((measurement) => measurement.asset.id));
      // The newest alarm of each asset/tag: open, it is the current band; cleared, the band has
      // been normal since. Readings older than that last change are late and change nothing.
      const { rows } = await client.query<{ id: string; asset_id: string; tag_id: string; code: string; raised_at: Date; cleared_at: Date | null }>(
        `SELECT DISTINCT ON (asset_id, tag_id) id, asset_id, tag_id, code, raised_at, cleared_at FROM maintenance.alarm
          WHERE asset_id = ANY($1::uuid[]) AND tag_id = ANY($2::uuid[]) ORDER BY asset_id, tag_id, raised_at DESC`,
        [[...new Set(measurements.map((m) => m.asset.id))], [...new Set(measurements.map((m) => m.tag.id))]],
      );
      const open = new Map<string, OpenAlarm>();
      const lastChange = new Map<string, Date>();
      for (const row of rows) {
        const key = `${row.asset_id}/${row.tag_id}`;
        lastChange.set(key, row.cleared_at ?? row.raised_at);
        if (!row.cleared_at) open.set(key, { id: row.id, code: row.code, raisedAt: row.raised_at });
      }

      const events: EventEnvelope[] = [];
      measurements.sort((a, b) => a.reading.time.getTime() - b.reading.time.getTime());
      for (const { asset, tag, reading } of measurements) {
        const key = `${asset.id}/${tag.id}`;
        const current = open.get(key);
        const since = lastChange.get(key);
        if (since && reading.time <= since) continue; // late reading
        const band: Band = bandOf(reading.value, tag);
        const currentBand: Band = current ? (bandOfAlarmCode(current.code) ?? 'NORMAL') : 'NORMAL';
        if (band === currentBand) continue;
        const observedAt = reading.time.toISOString();
        const where = { assetId: asset.id, lineId: asset.lineId, siteId: asset.siteId };
        if (current) {
          await client.query(`UPDATE maintenance.alarm SET cleared_at = $2, updated_at = now() WHERE id = $1`, [current.id, reading.time]);
          events.push(
            createEvent({
              id: deterministicId(`AlarmCleared:${current.id}`),
              type: 'AlarmCleared',
              source: THRESHOLD_EVENT_SOURCE,
              subject: `alarm/${current.id}`,
              occurredAt: reading.time,
              data: { alarmId: current.id, ...where, code: current.code, clearedAt: observedAt },
            }),
          );
          open.delete(key);
          lastChange.set(key, reading.time);
        }
        if (band === 'NORMAL') continue;
        const limit = limitValue(band, tag);
        events.push(
          createEvent({
            id: deterministicId(`ThresholdCrossed:${reading.readingId}:${band}`),
            type: 'ThresholdCrossed',
            source: THRESHOLD_EVENT_SOURCE,
            subject: `asset/${asset.id}`,
            occurredAt: reading.time,
            data: { assetId: asset.id, tagId: tag.id, tagName: tag.name, value: reading.value, limit: band, limitValue: limit, readingId: reading.readingId, observedAt },
          }),
        );
        const alarmId = deterministicId(`Alarm:${asset.id}:${tag.id}:${reading.readingId}:${band}`);
        const code = alarmCode(tag.name, band);
        const severity = severityOf(band);
        const message = `${tag.name} ${reading.value}${tag.unit ? ` ${tag.unit}` : ''} is beyond its ${band.toLowerCase().replace('_', ' ')} limit ${limit} on ${asset.code}`;
        const raised = createEvent({
          id: deterministicId(`AlarmRaised:${alarmId}`),
          type: 'AlarmRaised',
          source: THRESHOLD_EVENT_SOURCE,
          subject: `alarm/${alarmId}`,
          occurredAt: reading.time,
          data: { alarmId, ...where, code, severity, message, raisedAt: observedAt, readingId: reading.readingId },
        });
        await client.query(
          `INSERT INTO maintenance.alarm (id, asset_kind, asset_id, tag_id, code, message, severity, raised_at, source_event_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (source_event_id) DO NOTHING`,
          [alarmId, asset.kind, asset.id, tag.id, code, message, severity, reading.time, raised.id],
        );
        events.push(raised);
        open.set(key, { id: alarmId, code, raisedAt: reading.time });
        lastChange.set(key, reading.time);
      }
      return events;
    },
  };
}
