// One pino logger for the whole hub. Child loggers carry the component name and, where there is
// one, the request or event id, so a line can be followed across processes.
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export interface LoggerSettings {
  /** pino level: fatal, error, warn, info, debug, trace or silent. @default 'info' */
  level?: string;
  /** Human-readable lines (pino-pretty) instead of JSON; meant for a terminal. @default false */
  pretty?: boolean;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: 'plantgraph' },
    redact: { paths: ['*.password', '*.token', '*.secret', 'req.headers.authorization'], censor: '[redacted]' },
  };
  if (settings.pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname,service' } } });
  }
  return pino(options);
}

/** A logger that prints nothing, for tests and library callers that pass none. */
export const silentLogger: Logger = pino({ level: 'silent' });
