// The one way a handler builds its Powertools Logger from the shared POWERTOOLS_* settings, so every
// Lambda honours the same variables the same way.
import { Logger } from '@aws-lambda-powertools/logger';
import { type LoggerConfig, loggerOptions } from './powertools-config.js';

export { type LoggerConfig, loggerConfigSpec } from './powertools-config.js';

export function createLogger(config: LoggerConfig, sampleRateValue?: number): Logger {
  return new Logger(loggerOptions(config, sampleRateValue));
}
