// Latency histogram of the subscription benchmarks' client processes (bench/support/subscriber-fleet.ts,
// bench/support/floor-fleet.ts): fixed 0.1 ms buckets up to 20 s (later latencies land in the last
// bucket), sent to the parent over IPC as the non-empty [bucket, count] pairs, which the parent
// merges across reports and processes and reads percentiles from.

/** Width of one bucket, milliseconds. */
export const BUCKET_MS = 0.1;
const BUCKETS = 200_000; // up to 20 s

/** Non-empty buckets: [bucket index, count]; latency ≈ index × bucketMs. */
export type LatencyBuckets = [number, number][];

export interface LatencyHistogram {
  bucketMs: number;
  record(latencyMs: number): void;
  /** The non-empty buckets, for IPC. */
  buckets(): LatencyBuckets;
  reset(): void;
}

export function createLatencyHistogram(): LatencyHistogram {
  const counts = new Uint32Array(BUCKETS);
  return {
    bucketMs: BUCKET_MS,
    record(latencyMs) {
      counts[Math.min(BUCKETS - 1, Math.max(0, Math.round(latencyMs / BUCKET_MS)))]! += 1;
    },
    buckets: () => [...counts.entries()].filter(([, count]) => count > 0),
    reset: () => void counts.fill(0),
  };
}

/** Adds `buckets` into `into` (bucket index → count). */
export function mergeBuckets(into: Map<number, number>, buckets: LatencyBuckets): void {
  for (const [bucket, count] of buckets) into.set(bucket, (into.get(bucket) ?? 0) + count);
}

/** The p-th percentile (0–100) in milliseconds, rounded to 0.1 ms; NaN when nothing was recorded. */
export function percentileOf(buckets: LatencyBuckets, bucketMs: number, p: number): number {
  const total = buckets.reduce((sum, [, count]) => sum + count, 0);
  let seen = 0;
  for (const [bucket, count] of [...buckets].sort((a, b) => a[0] - b[0])) {
    seen += count;
    if (seen >= (p / 100) * total) return Math.round(bucket * bucketMs * 10) / 10;
  }
  return NaN;
}
