// The authorizer result-cache TTL API Gateway accepts: whole seconds from 0 (cache off) to 3600
// (`authorizerResultTtlInSeconds` in "AWS::ApiGateway::Authorizer", docs/design.md#result-cache). One check,
// read by the KeygateAuthorizer construct, the local gateway emulator and the local stack.
import { type IntBounds, intProblem } from '../config.js';
import { DEFAULT_RESULTS_CACHE_TTL_SECONDS, MAX_RESULTS_CACHE_TTL_SECONDS } from '../contract.js';

export const RESULTS_CACHE_TTL_BOUNDS: IntBounds = {
  default: DEFAULT_RESULTS_CACHE_TTL_SECONDS,
  min: 0,
  max: MAX_RESULTS_CACHE_TTL_SECONDS,
};

/** What is wrong with `seconds` as a result-cache TTL (named `name`), or undefined when API Gateway takes it. */
export function resultsCacheTtlProblem(seconds: number, name: string): string | undefined {
  return intProblem(name, seconds, RESULTS_CACHE_TTL_BOUNDS);
}
