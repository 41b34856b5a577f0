// What every command-line entry point does first: parse the environment once (printing every
// bad variable and exiting 1 if any) and create the logger.
import { loadConfig, isConfigError, type Config } from '../core/config.ts';
import { createLogger, type Logger } from '../core/log.ts';

export function loadCliConfig(): { config: Config; log: Logger } {
  try {
    const config = loadConfig(process.env, { isTerminal: process.stdout.isTTY === true });
    return { config, log: createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY }) };
  } catch (error) {
    if (isConfigError(error)) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

/** A repeated Ctrl-C within this time is the same keypress relayed by npm/tsx, not a second one. */
const FORCE_STOP_AFTER_MS = 2_000; // 2 seconds

/**
 * Run `stop` once on SIGINT/SIGTERM, then exit 0. Wrappers (npm, tsx) relay the terminal's signal,
 * so the same Ctrl-C arrives more than once; only a signal that comes later forces an exit.
 */
export function stopOnSignal(stop: () => Promise<void>, log: Logger): void {
  let stoppingSince: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < FORCE_STOP_AFTER_MS) return;
      log.warn({ signal }, 'second signal while stopping: exiting now');
      process.exit(130);
    }
    stoppingSince = Date.now();
    log.info({ signal }, 'stopping');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
