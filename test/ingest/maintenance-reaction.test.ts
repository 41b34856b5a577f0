import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { silentLogger } from '../../core/log.ts';
import { postingPayload } from '../../core/postings.ts';
import { createAssetDirectory } from '../../ingest/asset-directory.ts';
import { createMaintenanceReaction, startDowntimeSweeper } from '../../ingest/reactions/maintenance.ts';
import { createLineStateProcessor } from '../../ingest/state/processor.ts';
import { createThresholdProcessor } from '../../ingest/thresholds/processor.ts';
import { startIngestWorker, type IngestWorker } from '../../ingest/worker.ts';
import { eventually } from '../support/eventually.ts';
import { startIngestFixture, type IngestFixture, type ReadingInput } from '../support/ingest.ts';

const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 20 * 60 * 1_000;
const at = (seconds: number) => new Date(t0 + seconds * 1_000).toISOString();

describe('maintenance reaction in the ingest worker', () => {
  let fixture: IngestFixture;
  let worker: IngestWorker;
  let op10: string; // spindle_temp: warn 60, alarm 70
  let op30: string;
  const opened: { key: string; openedAt: number }[] = [];

  beforeAll(async () => {
    fixture = await startIngestFixture('maintenance');
    op10 = await fixture.assetId('OP10');
    op30 = await fixture.assetId('OP30');
    worker = await startIngestWorker({
      pool: fixture.database.pool,
      bus: fixture.bus,
      streams: fixture.streams,
      log: silentLogger,
      processors: [
        createLineStateProcessor(),
        createThresholdProcessor(),
        createMaintenanceReaction({ downtimeRequestAfterSeconds: 120, onRequestOpened: ({ key }) => opened.push({ key, openedAt: Date.now() }) }),
      ],
    });
  });
  afterAll(async () => {
    await worker.stop();
    await fixture.close();
  });

  const requests = async (assetId: string) =>
    (
      await fixture.database.pool.query<{ id: string; priority: string; reason: string; downtime_start_at: Date | null; downtime_end_at: Date | null; source_alarm_id: string | null }>(
        'SELECT id, priority, reason, downtime_start_at, downtime_end_at, source_alarm_id FROM maintenance.maintenance_request WHERE asset_id = $1 ORDER BY created_at',
        [assetId],
      )
    ).rows;
  const notifications = async (requestId: string) =>
    (await fixture.database.pool.query<{ payload: unknown; idempotency_key: string; status: string; source_event_ids: string[] }>(
      `SELECT payload, idempotency_key, status, source_event_ids FROM integration.erp_posting WHERE kind = 'MAINTENANCE_NOTIFICATION' AND maintenance_request_id = $1`,
      [requestId],
    )).rows;

  it('a critical alarm opens one request and one notification posting at once; a warning opens none; a replay adds nothing', async () => {
    const reading = (id: string, seconds: number, value: number): ReadingInput => ({ readingId: id, assetId: op10, tag: 'spindle_temp', value, timestamp: at(seconds) });
    await fixture.publish([reading('w1', 0, 65)]); // HIGH_WARN: an alarm, but not critical
    await fixture.idle();
    expect(await requests(op10)).toEqual([]);

    const published = Date.now();
    await fixture.publish([reading('c1', 10, 75)]); // HIGH_ALARM: critical
    await eventually(async () => expect(await requests(op10)).toHaveLength(1));
    console.info(`critical reading published → maintenance request opened in the batch transaction: ${opened.at(-1)!.openedAt - published} ms`);

    const [request] = await requests(op10);
    expect(request).toMatchObject({ priority: 'HIGH', downtime_start_at: null, source_alarm_id: expect.any(String) });
    expect(request!.reason).toMatch(/spindle_temp 75 °C is beyond its high alarm limit 70/);
    const [posting] = await notifications(request!.id);
    expect(posting!.status).toBe('PENDING');
    expect(posting!.idempotency_key).toBe(`maintenance-notification:${request!.id}`);
    expect(postingPayload('MAINTENANCE_NOTIFICATION', posting!.payload)).toMatchObject({ assetId: op10, assetCode: 'OP10', erpWorkCenter: 'BER-MILL10', priority: 'HIGH', alarmCode: 'SPINDLE_TEMP_HIGH_ALARM' });
    expect(posting!.source_event_ids).toHaveLength(1);

    await fixture.publish([reading('w1', 0, 65), reading('c1', 10, 75)], 'replay');
    await fixture.idle();
    expect(await requests(op10)).toHaveLength(1);
  });

  it('a stop lasting beyond the threshold opens one request with its start, and running again sets its end', async () => {
    const state = (id: string, seconds: number, value: string): ReadingInput => ({ readingId: id, assetId: op30, tag: 'state', value, timestamp: at(seconds) });
    await fixture.publish([state('s1', 0, 'RUNNING'), state('s2', 100, 'DOWN:PUMP_FAILURE'), state('s3', 160, 'DOWN:PUMP_FAILURE')]);
    await fixture.idle();
    expect(await requests(op30)).toEqual([]); // down for 60 s: not yet

    await fixture.publish([state('s4', 221, 'DOWN:PUMP_FAILURE')]); // 121 s down
    await fixture.idle();
    await fixture.publish([state('s5', 240, 'DOWN:PUMP_FAILURE')]); // still down: no second request
    await fixture.idle();
    const [request, ...others] = await requests(op30);
    expect(others).toEqual([]);
    expect(request).toMatchObject({ priority: 'EMERGENCY', reason: 'down for more than 120 s (PUMP_FAILURE)', downtime_start_at: new Date(at(100)), downtime_end_at: null });
    expect(await notifications(request!.id)).toHaveLength(1);

    await fixture.publish([state('s6', 300, 'RUNNING')]);
    await fixture.idle();
    expect((await requests(op30))[0]!.downtime_end_at).toEqual(new Date(at(300)));
  });

  it('a stopped asset that falls silent gets its request from the sweep, once', async () => {
    const op20 = await fixture.assetId('OP20');
    await fixture.publish([{ readingId: 'q1', assetId: op20, tag: 'state', value: 'DOWN:BAR_FEED', timestamp: at(500) }]);
    await fixture.idle();
    expect(await requests(op20)).toEqual([]);
    const sweeper = startDowntimeSweeper({ pool: fixture.database.pool, assets: createAssetDirectory(fixture.database.pool), log: silentLogger, downtimeRequestAfterSeconds: 120, intervalMs: 60 * 60 * 1_000 });
    try {
      expect(await sweeper.sweep(new Date(at(600)))).toBe(0); // down for 100 s
      expect(await sweeper.sweep(new Date(at(621)))).toBe(1);
      expect(await sweeper.sweep(new Date(at(700)))).toBe(0);
    } finally {
      await sweeper.stop();
    }
    // a later reading of the same stop adds nothing either
    await fixture.publish([{ readingId: 'q2', assetId: op20, tag: 'state', value: 'DOWN:BAR_FEED', timestamp: at(640) }]);
    await fixture.idle();
    const [request, ...others] = await requests(op20);
    expect(others).toEqual([]);
    expect(request).toMatchObject({ priority: 'EMERGENCY', downtime_start_at: new Date(at(500)) });
  });
});
