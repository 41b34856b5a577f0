// Per-asset transaction locks. Several ingest workers (and the idle sweeper) change the same
// asset's state and alarms; each takes the asset's advisory lock for the rest of its transaction,
// always in sorted order so that two batches never wait on each other in a cycle.
import type { Queryable } from '../core/db.ts';

/** Arbitrary constant that keeps these locks apart from other advisory locks (migrations, commands). */
const ASSET_LOCK_SEED = 4_711_005;

export async function lockAssets(db: Queryable, assetIds: Iterable<string>): Promise<void> {
  const sorted = [...new Set(assetIds)].sort();
  if (sorted.length === 0) return;
  await db.query(
    `SELECT pg_advisory_xact_lock(hashtextextended(asset_id::text, $2)) FROM (SELECT unnest($1::uuid[]) AS asset_id ORDER BY 1) AS sorted`,
    [sorted, ASSET_LOCK_SEED],
  );
}
