// Hive's runtime logs through its own Logger; this writer hands its lines to the hub's pino
// logger, so the gateway's log is one stream with one format and the same redaction.
import { Logger as HiveLogger, type LogLevel, type LogWriter } from '@graphql-hive/gateway-runtime';
import type { Logger } from '../core/log.ts';

const hiveLevels: Record<string, LogLevel | false> = { trace: 'trace', debug: 'debug', info: 'info', warn: 'warn', error: 'error', fatal: 'error', silent: false };

export function hiveLoggerFor(log: Logger): HiveLogger {
  const writer: LogWriter = {
    write(level, attrs, message) {
      const fields = attrs && !Array.isArray(attrs) ? attrs : attrs ? { attrs } : {};
      log[level](fields, message ?? '');
    },
  };
  return new HiveLogger({ level: () => hiveLevels[log.level] ?? 'info', writers: [writer] });
}
