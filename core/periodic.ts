// A job that runs every so often in the background (sweeps, refreshes): one run at a time, a
// failed run logged and the next one tried, and a stop that waits for the run in flight.
import type { Logger } from './log.ts';

export interface PeriodicJob {
  stop(): Promise<void>;
}

export function startPeriodicJob(run: () => Promise<unknown>, options: { intervalMs: number; log: Logger; failure: string }): PeriodicJob {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(run).catch((error: unknown) => options.log.warn({ err: error }, options.failure));
  }, options.intervalMs);
  timer.unref(); // a background job never keeps the process alive
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
