// The Lambda TOKEN authorizer (docs/design.md#token-authorizer, #access-tokens): `Bearer` token in, IAM policy for every route the token's
// scopes permit out. Invalid tokens throw exactly `Unauthorized` (401); our own failures (no keys, bad
// method ARN) throw something else so API Gateway answers 500. Built for the warm path: a repeated token
// costs a cache lookup, a memoized policy, a memoized context and one small answer object.
import { AuthzError, type PolicyBuilder } from '../../core/authz/index.js';
import { AUTHORIZER_UNAUTHORIZED } from '../../core/contract.js';
import { VerifyError } from '../../core/jwt/errors.js';
import type { AccessTokenClaims, VerificationResult } from '../../core/jwt/types.js';
import { AuthorizerFailure } from '../errors.js';
import { bearerToken } from '../lib/bearer-token.js';
import { createClaimContext } from '../lib/claim-context.js';
import type { Decision, DecisionReason } from '../lib/decision-telemetry.js';
import { DeferredLogger } from '../lib/deferred-powertools.js';
import { LOG_LEVEL_THRESHOLDS } from '../lib/powertools-config.js';
import { createUsageKeyOf } from '../lib/usage-key.js';
import type { AuthorizerDeps } from './deps.js';
import type { TokenAuthorizerHandler } from './types.js';

// What the entry, the local stack and the benches build a handler from, in one import.
export {
  type AuthorizerClients,
  type AuthorizerDeps,
  createDeps,
  createIssuerClients,
  type IssuerClients,
} from './deps.js';
export { settingsFromEnv } from './from-env.js';
export { type AuthorizerSettings, type AuthorizerSettingsInput, authorizerSettings } from './settings.js';
export type { TokenAuthorizerEvent, TokenAuthorizerHandler, TokenAuthorizerResult } from './types.js';

type AnswerContext = Readonly<{ clientId: string; scope: string; exp: number; jti?: string }>;
interface AnswerParts {
  readonly context: AnswerContext;
  readonly usageIdentifierKey: string | undefined;
}

export function createHandler(deps: AuthorizerDeps): TokenAuthorizerHandler {
  const { verifier, policies, revocations, logger, telemetry, sampleRate, logAllowsAtInfo } = deps;
  const claimContext = createClaimContext(deps.contextClaims ?? []);
  const usageKeyOf = deps.usageKeys !== undefined ? createUsageKeyOf(deps.usageKeys) : undefined;
  // logger.level reads process.env on every access: read once, and again only when sampling may change it
  // per invocation (the repeated-token rows of bench/suites/authorizer.ts measure this path).
  let debugEnabled = logger !== undefined && logger.level <= LOG_LEVEL_THRESHOLDS.DEBUG;
  let infoEnabled = logger !== undefined && logger.level <= LOG_LEVEL_THRESHOLDS.INFO;
  // Last header -> token. In-process callers (local stack, bench) pass the very same header string for a
  // repeated token, and a fresh slice would make the token cache compare the whole token character by
  // character instead of by identity; in Lambda each event is parsed afresh and this is one string compare.
  const none = {};
  let lastHeader: unknown = none;
  // The answer's context (and usage key) depend on the claims alone, and the token cache hands a repeated token
  // back as the same frozen claims object: built once per token, a repeat costs one WeakMap lookup.
  const answers = new WeakMap<AccessTokenClaims, AnswerParts>();
  function answerParts(claims: AccessTokenClaims): AnswerParts {
    let parts = answers.get(claims);
    if (parts === undefined) {
      // The client's own claims (claim_<name>) first: keygate's keys after them always win.
      const context: AnswerContext = Object.freeze({
        ...claimContext(claims),
        clientId: claims.client_id,
        scope: claims.scope,
        exp: claims.exp,
        ...(typeof claims.jti === 'string' ? { jti: claims.jti } : {}),
      });
      parts = { context, usageIdentifierKey: usageKeyOf?.(claims) };
      answers.set(claims, parts);
    }
    return parts;
  }
  let lastToken = '';

  function log(
    decision: Decision,
    reason: DecisionReason,
    fields: {
      claims?: AccessTokenClaims;
      kid?: string;
      cacheHit?: boolean;
      verifyMicros?: number;
      methodArn?: unknown;
      requestId?: string | undefined;
      error?: string;
    },
  ): void {
    if (!logger) return;
    const atDebug = decision === 'allow' && (fields.cacheHit || !logAllowsAtInfo);
    // A flood of garbage tokens takes this path with no RSA work to hide it: no line built that won't print.
    if (decision !== 'error' && !(atDebug ? debugEnabled : infoEnabled)) return;
    const line = {
      decision,
      reason,
      clientId: fields.claims?.client_id,
      jti: fields.claims?.jti,
      kid: fields.kid,
      tokenCacheHit: fields.cacheHit,
      verifyMicros: fields.verifyMicros,
      methodArn: typeof fields.methodArn === 'string' ? fields.methodArn.slice(0, 1600) : undefined,
      awsRequestId: fields.requestId,
      error: fields.error,
    };
    if (decision === 'error') logger.error('authorizer decision', line);
    else if (atDebug) logger.debug('authorizer decision', line);
    else logger.info('authorizer decision', line);
  }

  /** The decision line for a verified token (allow or deny). */
  function logVerified(
    decision: 'allow' | 'deny',
    reason: DecisionReason,
    { claims, kid, cacheHit }: VerificationResult,
    started: number,
    requestId: string | undefined,
    methodArn: unknown,
  ): void {
    if (!logger) return;
    const verifyMicros = Math.round((performance.now() - started) * 1000);
    log(decision, reason, { claims, kid, cacheHit, verifyMicros, requestId, methodArn });
  }

  function unauthorized(reason: DecisionReason, fields: Parameters<typeof log>[2]): never {
    telemetry.count('unauthorized', reason);
    log('unauthorized', reason, fields);
    telemetry.maybeFlush(performance.now());
    throw new Error(AUTHORIZER_UNAUTHORIZED);
  }

  function failure(
    reason: DecisionReason,
    err: unknown,
    fields: Parameters<typeof log>[2],
    token?: string,
  ): never {
    telemetry.count('error', reason);
    const raw = err instanceof Error ? `${err.name}: ${err.message}` : 'non-error thrown';
    // Defence in depth: an unexpected error must not carry the token into the log.
    const error = (token ? raw.split(token).join('[token]') : raw).slice(0, 300);
    log('error', reason, { ...fields, error });
    telemetry.maybeFlush(performance.now());
    if (reason === 'keys_unavailable') throw new AuthorizerFailure('keys_unavailable', 'KeysUnavailable');
    if (reason === 'revocations_unavailable') {
      throw new AuthorizerFailure('revocations_unavailable', 'RevocationsUnavailable');
    }
    if (reason === 'method_arn' || reason === 'resource_too_long') {
      throw new AuthorizerFailure('method_arn', 'AuthorizerConfigurationError');
    }
    throw new AuthorizerFailure('internal', 'InternalError');
  }

  const authorizer: TokenAuthorizerHandler = async (event, context) => {
    if (sampleRate > 0 && logger) {
      logger.refreshSampleRateCalculation();
      debugEnabled = logger.level <= LOG_LEVEL_THRESHOLDS.DEBUG;
      infoEnabled = logger.level <= LOG_LEVEL_THRESHOLDS.INFO;
    }
    const requestId = context?.awsRequestId;
    if (typeof event !== 'object' || event === null || event.type !== 'TOKEN') {
      unauthorized('not_token_event', { requestId });
    }
    const header = event.authorizationToken;
    let token: string | undefined;
    if (header === lastHeader) token = lastToken;
    else {
      token = bearerToken(header);
      if (token === undefined) {
        unauthorized(typeof header === 'string' && header !== '' ? 'bad_scheme' : 'missing_token', {
          requestId,
          methodArn: event.methodArn,
        });
      }
      lastHeader = header;
      lastToken = token;
    }

    const started = performance.now();
    let result: VerificationResult;
    try {
      result = await verifier.verifyDetailed(token);
    } catch (err) {
      const verifyMicros = Math.round((performance.now() - started) * 1000);
      if (err instanceof VerifyError && err.isTokenError) {
        unauthorized(err.code, { verifyMicros, requestId, methodArn: event.methodArn });
      }
      failure(
        err instanceof VerifyError ? 'keys_unavailable' : 'internal',
        err,
        { verifyMicros, requestId, methodArn: event.methodArn },
        token,
      );
    }
    const { claims, kid, cacheHit } = result;

    // The verified-token cache holds valid tokens; revocation is re-checked on every call (a clock read and
    // two size checks while nothing is revoked). A stale list is refreshed first, so the bound holds.
    if (revocations !== undefined) {
      if (revocations.due()) {
        try {
          await revocations.refresh();
        } catch (err) {
          failure('revocations_unavailable', err, {
            claims,
            kid,
            cacheHit,
            requestId,
            methodArn: event.methodArn,
          });
        }
      }
      if (revocations.isRevoked(claims.client_id, claims.iat, claims.jti)) {
        unauthorized('revoked', { claims, kid, cacheHit, requestId, methodArn: event.methodArn });
      }
    }

    let policy: ReturnType<PolicyBuilder['policyFor']>;
    try {
      policy = policies.policyFor(event.methodArn, claims.scope);
    } catch (err) {
      const reason = err instanceof AuthzError && err.code !== 'route_table' ? err.code : 'internal';
      failure(reason, err, { claims, kid, cacheHit, requestId, methodArn: event.methodArn });
    }

    if (policy.effect === 'Allow') {
      telemetry.allow();
      // Building the line (and a second clock read) costs more than the rest of a cache hit: only when
      // it prints.
      if (debugEnabled || (logAllowsAtInfo && !cacheHit && logger)) {
        logVerified('allow', 'allowed', result, started, requestId, event.methodArn);
      }
    } else {
      telemetry.count('deny', 'no_usable_scope');
      logVerified('deny', 'no_usable_scope', result, started, requestId, event.methodArn);
    }
    // The clock read at the start of this call is recent enough for a flush interval in seconds.
    telemetry.maybeFlush(started);

    const { policyDocument } = policy;
    const parts = answerParts(claims);
    if (parts.usageIdentifierKey === undefined)
      return { principalId: claims.sub, policyDocument, context: parts.context };
    // Per token, from its own claim: the memoized policy (keyed by scopes) never carries it. One literal with
    // the key (not a property added later): the answer keeps one object shape.
    return {
      principalId: claims.sub,
      policyDocument,
      context: parts.context,
      usageIdentifierKey: parts.usageIdentifierKey,
    };
  };
  // A deferred Logger holds its lines until the first answer is out, so loading Powertools never delays a
  // first request (the init-time JWKS line would otherwise start it mid-request: docs/performance.md).
  if (!(logger instanceof DeferredLogger)) return authorizer;
  let first = true;
  return (event, context) => {
    if (!first) return authorizer(event, context);
    first = false;
    const answer = authorizer(event, context);
    const release = () => logger.release();
    answer.then(release, release);
    return answer;
  };
}
