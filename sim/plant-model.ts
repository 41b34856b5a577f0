// The plant the simulator plays: every line and work cell that has tags, read from master data
// (assets schema), with the codes its telemetry subject needs and its tags' kinds and limits.
import type pg from 'pg';
import type { Tag } from '../prisma/generated/client.ts';

/** A tag as the simulator needs it (the Prisma model is the one source). */
export type SimulatedTag = Pick<Tag, 'name' | 'kind' | 'unit' | 'lowAlarm' | 'lowWarn' | 'highWarn' | 'highAlarm' | 'characteristicId'>;

export interface SimulatedAsset {
  id: string;
  code: string;
  siteCode: string;
  lineCode: string;
  /** Seconds per part at full speed; a default when master data has none. */
  idealCycleSeconds: number;
  tags: SimulatedTag[];
}

const DEFAULT_CYCLE_SECONDS = 30;

export async function loadPlantModel(pool: Pick<pg.Pool, 'query'>): Promise<SimulatedAsset[]> {
  const { rows } = await pool.query<{
    id: string;
    code: string;
    site_code: string;
    line_code: string;
    ideal_cycle_seconds: number | null;
    tags: SimulatedTag[];
  }>(
    `WITH assets AS (
       SELECT l.id, l.code, s.code AS site_code, l.code AS line_code, l.ideal_cycle_seconds
         FROM assets.line l JOIN assets.site s ON s.id = l.site_id
       UNION ALL
       SELECT w.id, w.code, s.code, l.code, coalesce(w.ideal_cycle_seconds, l.ideal_cycle_seconds)
         FROM assets.work_cell w JOIN assets.line l ON l.id = w.line_id JOIN assets.site s ON s.id = l.site_id)
     SELECT a.id, a.code, a.site_code, a.line_code, a.ideal_cycle_seconds,
            json_agg(json_build_object('name', t.name, 'kind', t.kind, 'unit', t.unit, 'lowAlarm', t.low_alarm, 'lowWarn', t.low_warn,
                                       'highWarn', t.high_warn, 'highAlarm', t.high_alarm, 'characteristicId', t.characteristic_id) ORDER BY t.name) AS tags
       FROM assets a JOIN assets.tag t ON t.asset_id = a.id AND t.enabled
      GROUP BY a.id, a.code, a.site_code, a.line_code, a.ideal_cycle_seconds
      ORDER BY a.site_code, a.line_code, a.code`,
  );
  return rows.map((row) => ({
    id: row.id,
    code: row.code,
    siteCode: row.site_code,
    lineCode: row.line_code,
    idealCycleSeconds: row.ideal_cycle_seconds ?? DEFAULT_CYCLE_SECONDS,
    tags: row.tags,
  }));
}
