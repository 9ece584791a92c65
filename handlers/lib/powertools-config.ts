// The Powertools settings the handlers share (POWERTOOLS_* env names) and the Logger options built from
// them, without importing Powertools itself: the authorizer reads its config at init and loads the
// Logger only after its first answer (handlers/lib/deferred-powertools.ts).
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import { str } from '../../core/config.js';

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** Powertools Logger's numeric thresholds (its `LogLevelThreshold`): `logger.level` reads these. */
export const LOG_LEVEL_THRESHOLDS: Readonly<Record<LogLevelName, number>> = {
  TRACE: 6,
  DEBUG: 8,
  INFO: 12,
  WARN: 16,
  ERROR: 20,
  CRITICAL: 24,
  SILENT: 28,
};

/** POWERTOOLS_LOG_LEVEL and POWERTOOLS_SERVICE_NAME, the latter defaulting to the handler's own name. */
export function loggerConfigSpec(serviceName: string) {
  return {
    POWERTOOLS_LOG_LEVEL: str({
      default: 'INFO',
      pattern: new RegExp(`^(?:${LOG_LEVELS.join('|')})$`, 'i'),
      hint: `one of ${LOG_LEVELS.join(', ')}`,
    }),
    POWERTOOLS_SERVICE_NAME: str({ default: serviceName }),
  } as const;
}

export interface LoggerConfig {
  readonly POWERTOOLS_LOG_LEVEL: string;
  readonly POWERTOOLS_SERVICE_NAME: string;
}

function logLevelName(config: LoggerConfig): LogLevelName {
  return config.POWERTOOLS_LOG_LEVEL.toUpperCase() as LogLevelName;
}

export function loggerOptions(config: LoggerConfig, sampleRateValue?: number): ConstructorOptions {
  return {
    serviceName: config.POWERTOOLS_SERVICE_NAME,
    logLevel: logLevelName(config),
    ...(sampleRateValue !== undefined ? { sampleRateValue } : {}),
  };
}
