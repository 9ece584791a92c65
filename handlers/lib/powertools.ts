// The Powertools settings the handlers share (POWERTOOLS_* env names) and the one way a handler
// builds its Logger from them, so every Lambda honours the same variables the same way.
import { Logger } from '@aws-lambda-powertools/logger';
import { str } from '../../core/config.js';

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
type LogLevelName = (typeof LOG_LEVELS)[number];

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

export function createLogger(config: LoggerConfig, sampleRateValue?: number): Logger {
  return new Logger({
    serviceName: config.POWERTOOLS_SERVICE_NAME,
    logLevel: config.POWERTOOLS_LOG_LEVEL.toUpperCase() as LogLevelName,
    ...(sampleRateValue !== undefined ? { sampleRateValue } : {}),
  });
}
