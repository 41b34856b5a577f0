// Which line or work cell a reading's assetId names, where it sits (site, line) and its tags with
// limits. Cached, because every batch asks; a cached asset is re-read after ASSET_CACHE_TTL_MS so
// changed limits take effect, and an unknown id is remembered only briefly so that master data
// fixed after a dead letter is seen by the replay.
import type pg from 'pg';
import type { AssetTag, TelemetryAsset } from './pipeline.ts';
import type { AssetKind, TagKind } from '../prisma/generated/enums.ts';

export const ASSET_CACHE_TTL_MS = 60_000; // 1 minute
export const UNKNOWN_ASSET_TTL_MS = 2_000; // 2 seconds

interface AssetRow {
  id: string;
  kind: AssetKind;
  code: string;
  line_id: string;
  line_code: string;
  site_id: string;
  site_code: string;
}

interface TagRow {
  asset_id: string;
  id: string;
  name: string;
  kind: TagKind;
  unit: string | null;
  low_alarm: number | null;
  low_warn: number | null;
  high_warn: number | null;
  high_alarm: number | null;
  characteristic_id: string | null;
}

interface CacheEntry {
  asset: TelemetryAsset | null;
  expiresAt: number;
}

export interface AssetDirectory {
  /** The known assets among `ids`; ids missing from the result are unknown. One query per miss set. */
  resolve(ids: Iterable<string>): Promise<Map<string, TelemetryAsset>>;
  /** Forget everything (after a master-data change the caller knows of). */
  clear(): void;
}

export function createAssetDirectory(pool: Pick<pg.Pool, 'query'>, clock: () => number = Date.now): AssetDirectory {
  const cache = new Map<string, CacheEntry>();
  return {
    async resolve(ids) {
      const now = clock();
      const found = new Map<string, TelemetryAsset>();
      const missing: string[] = [];
      for (const id of new Set(ids)) {
        const entry = cache.get(id);
        if (entry && entry.expiresAt > now) {
          if (entry.asset) found.set(id, entry.asset);
        } else {
          missing.push(id);
        }
      }
      if (missing.length === 0) return found;
      const loaded = await loadAssets(pool, missing);
      for (const id of missing) {
        const asset = loaded.get(id) ?? null;
        cache.set(id, { asset, expiresAt: now + (asset ? ASSET_CACHE_TTL_MS : UNKNOWN_ASSET_TTL_MS) });
        if (asset) found.set(id, asset);
      }
      return found;
    },
    clear: () => cache.clear(),
  };
}

async function loadAssets(pool: Pick<pg.Pool, 'query'>, ids: string[]): Promise<Map<string, TelemetryAsset>> {
  const [assets, tags] = await Promise.all([
    pool.query<AssetRow>(
      `SELECT l.id, 'LINE' AS kind, l.code, l.id AS line_id, l.code AS line_code, s.id AS site_id, s.code AS site_code
         FROM assets.line l JOIN assets.site s ON s.id = l.site_id
        WHERE l.id = ANY($1::uuid[])
       UNION ALL
       SELECT w.id, 'WORK_CELL', w.code, l.id, l.code, s.id, s.code
         FROM assets.work_cell w JOIN assets.line l ON l.id = w.line_id JOIN assets.site s ON s.id = l.site_id
        WHERE w.id = ANY($1::uuid[])`,
      [ids],
    ),
    pool.query<TagRow>(
      `SELECT asset_id, id, name, kind, unit, low_alarm, low_warn, high_warn, high_alarm, characteristic_id
         FROM assets.tag WHERE asset_id = ANY($1::uuid[]) AND enabled`,
      [ids],
    ),
  ]);
  const tagsByAsset = new Map<string, Map<string, AssetTag>>();
  for (const row of tags.rows) {
    const assetTags = tagsByAsset.get(row.asset_id) ?? new Map<string, AssetTag>();
    assetTags.set(row.name, {
      id: row.id,
      name: row.name,
      kind: row.kind,
      unit: row.unit,
      lowAlarm: row.low_alarm,
      lowWarn: row.low_warn,
      highWarn: row.high_warn,
      highAlarm: row.high_alarm,
      characteristicId: row.characteristic_id,
    });
    tagsByAsset.set(row.asset_id, assetTags);
  }
  return new Map(
    assets.rows.map((row) => [
      row.id,
      {
        id: row.id,
        kind: row.kind,
        code: row.code,
        lineId: row.line_id,
        lineCode: row.line_code,
        siteId: row.site_id,
        siteCode: row.site_code,
        tags: tagsByAsset.get(row.id) ?? new Map(),
      },
    ]),
  );
}
