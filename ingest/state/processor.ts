// The line state processor: STATE tag readings (and, for assets without one, counters going up)
// become equipment state intervals and LineStateChanged events, only on real changes.
import type { EventEnvelope } from '../../core/events.ts';
import { lockAssets } from '../asset-locks.ts';
import type { ReadingProcessor, StoredReading, TelemetryAsset } from '../pipeline.ts';
import { detectStateChanges, parseStateValue, type StateObservation } from './detector.ts';
import { applyStateChange, openIntervals, ordersInProgress } from './equipment-states.ts';

const COUNTER_KINDS = new Set(['COUNTER_GOOD', 'COUNTER_SCRAP', 'COUNTER_REWORK', 'COUNTER']);

function hasStateTag(asset: TelemetryAsset): boolean {
  for (const tag of asset.tags.values()) if (tag.kind === 'STATE') return true;
  return false;
}

/** What the batch says about each asset's state, by asset id. */
function observationsByAsset(readings: readonly StoredReading[], assets: ReadonlyMap<string, TelemetryAsset>): Map<string, StateObservation[]> {
  const byAsset = new Map<string, StateObservation[]>();
  const lastCounter = new Map<string, number>(); // asset/tag → value, within this batch
  const add = (assetId: string, observation: StateObservation) => {
    const list = byAsset.get(assetId) ?? [];
    list.push(observation);
    byAsset.set(assetId, list);
  };
  for (const reading of readings) {
    const asset = assets.get(reading.assetId);
    const tag = asset?.tags.get(reading.tag);
    if (!asset || !tag || reading.quality === 'BAD') continue;
    if (tag.kind === 'STATE' && reading.valueText !== null) {
      const parsed = parseStateValue(reading.valueText);
      if (parsed) add(asset.id, { ...parsed, time: reading.time, readingId: reading.readingId });
    } else if (COUNTER_KINDS.has(tag.kind) && reading.value !== null && !hasStateTag(asset)) {
      // Without a STATE tag, a counter going up means the asset produces. (A counter's first value
      // in a batch has nothing to compare with here; the next one decides.)
      const key = `${asset.id}/${tag.name}`;
      const previous = lastCounter.get(key);
      lastCounter.set(key, reading.value);
      if (previous !== undefined && reading.value > previous) add(asset.id, { state: 'RUNNING', reasonCode: null, time: reading.time, readingId: reading.readingId });
    }
  }
  return byAsset;
}

export function createLineStateProcessor(): ReadingProcessor {
  return {
    name: 'line-state',
    async process(readings, { client, assets }) {
      const observations = observationsByAsset(readings, assets);
      if (observations.size === 0) return [];
      const assetIds = [...observations.keys()].sort();
      await lockAssets(client, assetIds);
      const open = await openIntervals(client, assetIds);
      const changes = assetIds.map((id) => ({ asset: assets.get(id)!, changes: detectStateChanges(open.get(id) ?? null, observations.get(id)!) })).filter((entry) => entry.changes.length > 0);
      if (changes.length === 0) return [];
      const orders = await ordersInProgress(client, [...new Set(changes.map((entry) => entry.asset.lineId))]);
      const events: EventEnvelope[] = [];
      for (const { asset, changes: assetChanges } of changes) {
        for (const change of assetChanges) events.push(await applyStateChange(client, asset, change, orders.get(asset.lineId) ?? null));
      }
      return events;
    },
  };
}
