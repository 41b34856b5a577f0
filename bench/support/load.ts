// Load on one target: autocannon POSTs the same operation over `connections` keep-alive
// connections for a given time. Every reply must be 2xx and byte-identical to the reply checked
// beforehand (autocannon's expectBody), so errors with status 200 count as errors too. Latencies
// are taken from each response (autocannon's own histogram has whole milliseconds and no p95), so
// the samples of several runs (rounds) can be summarised together.
import autocannon from 'autocannon';

export interface LoadTarget {
  url: string;
  /** JSON request body. */
  body: string;
  /** Besides content-type: Authorization, x-plantgraph-internal… */
  headers: Record<string, string>;
  /** The reply every request must get, exactly. */
  expectBody: string;
  connections: number;
}

/** What went wrong in a run; all zero in a good one. */
export interface LoadErrors {
  connectionErrors: number;
  timeouts: number;
  non2xx: number;
  /** 2xx replies whose body differs from `expectBody` (GraphQL errors, other data). */
  mismatches: number;
  /** The first such body, shortened, for the console. */
  firstMismatch?: string;
}

/** One run of autocannon. */
export interface LoadSample {
  seconds: number;
  requests: number;
  /** Milliseconds, one per completed request. */
  latencies: number[];
  errors: LoadErrors;
}

/** What the JSON reports per variant. */
export interface LoadResult {
  /** Completed requests per second over all measured runs. */
  rps: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Completed requests over all measured runs. */
  requests: number;
  /** Connection errors, timeouts, non-2xx replies and replies unlike `expectBody`. */
  errors: number;
}

export async function runLoad(target: LoadTarget, seconds: number): Promise<LoadSample> {
  const latencies: number[] = [];
  let firstMismatch: string | undefined;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body: target.body,
        connections: target.connections,
        duration: seconds,
        expectBody: target.expectBody,
      },
      (error: unknown, done: autocannon.Result) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(done)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => void latencies.push(responseTime));
    // Not in @types/autocannon: emitted with the body of each reply unlike expectBody.
    instance.on('reqMismatch' as 'tick', ((body: string) => void (firstMismatch ??= body.slice(0, 500))) as () => void);
  });
  return {
    seconds: result.duration,
    requests: result.requests.total,
    latencies,
    errors: {
      connectionErrors: result.errors - result.timeouts,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      mismatches: result.mismatches,
      ...(firstMismatch ? { firstMismatch } : {}),
    },
  };
}

export function errorCount(errors: LoadErrors): number {
  return errors.connectionErrors + errors.timeouts + errors.non2xx + errors.mismatches;
}

/** Several runs of one target as one result. */
export function summarize(samples: LoadSample[]): LoadResult {
  const latencies = samples.flatMap((sample) => sample.latencies).sort((a, b) => a - b);
  const requests = samples.reduce((sum, sample) => sum + sample.requests, 0);
  const seconds = samples.reduce((sum, sample) => sum + sample.seconds, 0);
  return {
    rps: round(seconds > 0 ? requests / seconds : Number.NaN, 1),
    p50Ms: round(percentile(latencies, 50), 2),
    p95Ms: round(percentile(latencies, 95), 2),
    p99Ms: round(percentile(latencies, 99), 2),
    requests,
    errors: samples.reduce((sum, sample) => sum + errorCount(sample.errors), 0),
  };
}

/** Nearest-rank percentile of sorted values; NaN for none. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
