// API Gateway's Lambda TOKEN authorizer step (docs/design.md#token-authorizer): identity-source and validation-expression checks
// before invoking, the `Unauthorized` convention, strict output validation (anything malformed is 500),
// context stringification, and the result cache keyed by the header value whose policy is re-evaluated
// against every new method ARN: exactly what makes a first-route-only policy fail on other routes.
import { LRUCache } from 'lru-cache';
import { resultsCacheTtlProblem } from '../../core/authz/results-cache-ttl.js';
import {
  AUTHORIZER_UNAUTHORIZED,
  BEARER_VALIDATION_REGEX,
  DEFAULT_RESULTS_CACHE_TTL_SECONDS,
  MAX_RESULTS_CACHE_TTL_SECONDS,
} from '../../core/contract.js';
import { GatewayError } from './errors.js';
import { evaluatePolicy } from './evaluate-policy.js';
import { invokeLambda, type LambdaFunction } from './invoke.js';

/** RFC 6750 §2.1 b64token after `Bearer `, as the CDK constructs configure it. */
export const DEFAULT_VALIDATION_REGEX = new RegExp(BEARER_VALIDATION_REGEX);
export { MAX_RESULTS_CACHE_TTL_SECONDS };

export interface TokenAuthorizerOptions {
  /** The authorizer Lambda handler (receives `{type:'TOKEN', authorizationToken, methodArn}`). */
  readonly handler: LambdaFunction;
  /** Identity source header (case-insensitive). Default `Authorization`. */
  readonly identityHeader?: string;
  /** identityValidationExpression, matched against the whole header value; null disables. */
  readonly validationRegex?: RegExp | string | null;
  /** authorizerResultTtlInSeconds: default DEFAULT_RESULTS_CACHE_TTL_SECONDS, 0 disables, at most MAX_RESULTS_CACHE_TTL_SECONDS. */
  readonly resultsCacheTtlSeconds?: number;
  /** Bound on cached results (API Gateway's cache is bounded too; oldest evicted first). Default 10000. */
  readonly cacheMaxEntries?: number;
  /** How long API Gateway waits for the authorizer. Default 29000 ms. */
  readonly timeoutMs?: number;
  readonly functionName?: string;
}

export type AuthorizerOutcome =
  | {
      readonly kind: 'allow';
      readonly authorizer: Record<string, string | number>;
      readonly cached: boolean;
      /** The answer's usageIdentifierKey: the usage plan key (apiKeySource AUTHORIZER). */
      readonly usageIdentifierKey?: string;
    }
  | { readonly kind: 'unauthorized' }
  | { readonly kind: 'explicit_deny' }
  | { readonly kind: 'implicit_deny' }
  | { readonly kind: 'error'; readonly reason: string };

export interface ValidResult {
  readonly principalId: string;
  readonly policyDocument: unknown;
  /** Already stringified: API Gateway hands every context value to the backend as a string. */
  readonly context: Readonly<Record<string, string>>;
  readonly usageIdentifierKey?: string;
}

export interface TokenAuthorizerStep {
  authorize(
    headers: Readonly<Record<string, string | string[] | undefined>>,
    methodArn: string,
  ): Promise<AuthorizerOutcome>;
  flush(): number;
  /**
   * True when the identity header appears more than once in the request (node `rawHeaders`). API Gateway
   * does not document which value a TOKEN authorizer would get, and node keeps the first while the proxy
   * event keeps every one: the gateway refuses such a request (400) so the authorizer and the integration
   * can never judge different tokens (RFC 6750 §3.1 invalid_request: "repeats the same parameter").
   */
  /** The identity source header, lower-cased. */
  readonly identityHeader: string;
  readonly stats: {
    invocations: number;
    cacheHits: number;
    unauthorized: number;
    errors: number;
    readonly cacheSize: number;
  };
}

const isPatterns = (v: unknown): boolean =>
  typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));

function validStatement(s: unknown): boolean {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return false;
  const st = s as Record<string, unknown>;
  if (st.Effect !== 'Allow' && st.Effect !== 'Deny') return false;
  const action = st.Action ?? st.NotAction;
  const resource = st.Resource ?? st.NotResource;
  return isPatterns(action) && isPatterns(resource);
}

/** The authorizer output API Gateway accepts, or a reason it answers 500 (AuthorizerConfigurationException). */
export function validateAuthorizerOutput(out: unknown): ValidResult | string {
  if (typeof out !== 'object' || out === null || Array.isArray(out)) return 'output is not an object';
  const o = out as Record<string, unknown>;
  if (typeof o.principalId !== 'string') return 'principalId missing or not a string';
  const pd = o.policyDocument;
  if (typeof pd !== 'object' || pd === null || Array.isArray(pd)) return 'policyDocument missing';
  const doc = pd as Record<string, unknown>;
  if (doc.Version !== undefined && typeof doc.Version !== 'string') return 'policyDocument.Version invalid';
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  if (statements.length === 0 || !statements.every(validStatement)) return 'policyDocument.Statement invalid';
  const context: Record<string, string> = {};
  if (o.context !== undefined && o.context !== null) {
    if (typeof o.context !== 'object' || Array.isArray(o.context)) return 'context is not an object';
    for (const [k, v] of Object.entries(o.context as Record<string, unknown>)) {
      if (v === null) continue;
      // Objects and arrays as context values: 500 (observed, docs/design.md#token-authorizer).
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        return `context value "${k}" is not a string, number or boolean`;
      }
      context[k] = String(v);
    }
  }
  if (o.usageIdentifierKey !== undefined && typeof o.usageIdentifierKey !== 'string')
    return 'usageIdentifierKey is not a string';
  return {
    principalId: o.principalId,
    policyDocument: pd,
    context,
    ...(o.usageIdentifierKey !== undefined ? { usageIdentifierKey: o.usageIdentifierKey } : {}),
  };
}

function compileRegex(r: RegExp | string | null | undefined): RegExp | null {
  if (r === null) return null;
  if (r === undefined) return DEFAULT_VALIDATION_REGEX;
  if (r instanceof RegExp) return r;
  try {
    return new RegExp(`^(?:${r})$`);
  } catch {
    throw new GatewayError('gateway_config', `authorizer validationRegex is not a valid regular expression`);
  }
}

/** The one error an authorizer throws to get 401 UNAUTHORIZED ("Use API Gateway Lambda authorizers"). */
export const isUnauthorized = (err: unknown): boolean =>
  err === AUTHORIZER_UNAUTHORIZED || (err instanceof Error && err.message === AUTHORIZER_UNAUTHORIZED);

/** API Gateway's answer for a valid authorizer result on one method ARN (TOKEN and REQUEST alike). */
export function policyOutcome(
  r: ValidResult,
  methodArn: string,
  latency: number,
  cached: boolean,
): AuthorizerOutcome {
  let decision: ReturnType<typeof evaluatePolicy>;
  try {
    decision = evaluatePolicy(r.policyDocument, methodArn);
  } catch {
    return { kind: 'error', reason: 'policy could not be evaluated' };
  }
  if (decision === 'explicit_deny') return { kind: 'explicit_deny' };
  if (decision === 'implicit_deny') return { kind: 'implicit_deny' };
  // What the backend sees (docs/design.md#token-authorizer): {principalId, integrationLatency, ...context}; a cache hit has latency 0.
  return {
    kind: 'allow',
    cached,
    authorizer: { principalId: r.principalId, integrationLatency: latency, ...r.context },
    ...(r.usageIdentifierKey !== undefined ? { usageIdentifierKey: r.usageIdentifierKey } : {}),
  };
}

export function createTokenAuthorizerStep(
  opts: TokenAuthorizerOptions,
  env: { region: string; accountId: string; now: () => number },
): TokenAuthorizerStep {
  const ttl = opts.resultsCacheTtlSeconds ?? DEFAULT_RESULTS_CACHE_TTL_SECONDS;
  const ttlProblem = resultsCacheTtlProblem(ttl, 'resultsCacheTtlSeconds');
  if (ttlProblem !== undefined) throw new GatewayError('gateway_config', ttlProblem);
  const max = opts.cacheMaxEntries ?? 10_000;
  if (!Number.isInteger(max) || max < 1) {
    throw new GatewayError('gateway_config', 'cacheMaxEntries must be a positive integer');
  }
  const headerName = (opts.identityHeader ?? 'Authorization').toLowerCase();
  const regex = compileRegex(opts.validationRegex);
  const invokeOpts = {
    functionName: opts.functionName ?? 'authorizer',
    timeoutMs: opts.timeoutMs ?? 29_000,
    region: env.region,
    accountId: env.accountId,
  };
  const cache =
    ttl > 0
      ? new LRUCache<string, ValidResult>({ max, ttl: ttl * 1000, perf: { now: env.now }, ttlResolution: 0 })
      : undefined;
  const stats = {
    invocations: 0,
    cacheHits: 0,
    unauthorized: 0,
    errors: 0,
    get cacheSize() {
      return cache?.size ?? 0;
    },
  };

  return {
    stats,
    identityHeader: headerName,
    flush() {
      const n = cache?.size ?? 0;
      cache?.clear();
      return n;
    },
    async authorize(headers, methodArn) {
      const raw = headers[headerName];
      const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
      // Missing identity source or a validation-expression mismatch: 401, the authorizer is not invoked.
      if (value === undefined || value === '' || (regex !== null && !regex.test(value))) {
        stats.unauthorized++;
        return { kind: 'unauthorized' };
      }
      const hit = cache?.get(value);
      if (hit) {
        stats.cacheHits++;
        return policyOutcome(hit, methodArn, 0, true);
      }
      stats.invocations++;
      const started = env.now();
      let out: unknown;
      try {
        out = await invokeLambda(
          opts.handler,
          { type: 'TOKEN', authorizationToken: value, methodArn },
          invokeOpts,
        );
      } catch (err) {
        if (isUnauthorized(err)) {
          stats.unauthorized++;
          return { kind: 'unauthorized' };
        }
        stats.errors++;
        return { kind: 'error', reason: err instanceof Error ? err.name : 'invocation failed' };
      }
      const valid = validateAuthorizerOutput(out);
      if (typeof valid === 'string') {
        stats.errors++;
        return { kind: 'error', reason: valid };
      }
      // Only well-formed policies are cached (Allow and Deny alike); 401s and errors never are.
      cache?.set(value, valid);
      return policyOutcome(valid, methodArn, Math.max(0, Math.round(env.now() - started)), false);
    },
  };
}

/** Whether `name` (lower-case) occurs more than once in Node's `rawHeaders` (name, value, name, ...). */
export function repeatsHeader(rawHeaders: readonly string[], name: string): boolean {
  let seen = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const h = rawHeaders[i]!;
    if (h.length === name.length && h.toLowerCase() === name && ++seen > 1) return true;
  }
  return false;
}
