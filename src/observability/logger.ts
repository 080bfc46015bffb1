import pino, { type Logger } from 'pino';
import { REDACT_PATHS, type SecretScrubber } from './secrets.js';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** human-readable output (pino-pretty); default: when stdout is a terminal */
  pretty?: boolean;
  name?: string;
  scrubber?: SecretScrubber;
  /** where to write; default stdout */
  destination?: pino.DestinationStream;
}

/**
 * pino with secrets censored twice: by key path (REDACT_PATHS) and by value (the
 * scrubber knows the configured token and passwords and removes them from any string).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const scrubber = options.scrubber;
  const pretty = options.pretty ?? (process.stdout.isTTY === true && !options.destination);
  const base: pino.LoggerOptions = {
    name: options.name ?? 'trunk-reactor',
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    ...(scrubber
      ? {
          hooks: {
            logMethod(args, method) {
              method.apply(this, args.map((a) => scrubber.scrubValue(a)) as Parameters<typeof method>);
            },
          },
        }
      : {}),
  };
  if (options.destination) return pino(base, options.destination);
  if (pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino(base);
}

export const silentLogger: Logger = pino({ level: 'silent' });
