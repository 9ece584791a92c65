// What `clients revoke` and `clients disable` do after the registry write so already-issued tokens stop
// working at every route within a stated bound (docs/token-lifetime.md): wait until every authorizer
// decides with the new revocation list, then flush API Gateway's authorizer result cache, which would
// otherwise keep serving cached Allows for up to its TTL. FlushStageAuthorizersCache is the same SDK call
// on AWS and against the local stack (whose gateway implements it).
import { APIGatewayClient, FlushStageAuthorizersCacheCommand } from '@aws-sdk/client-api-gateway';
import { revocationPropagationSeconds } from '../../core/revocation/index.js';
import { type AuthorizerCache, parseAuthorizerCaches } from '../../core/stack-outputs.js';
import { awsClientConfig } from './aws-env.js';

/** Where an authorizer cache lives: the resource API and stage (stack outputs, or the local stack). */
export type FlushTarget = AuthorizerCache;

export interface CutoffIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: (text: string) => void;
  /** Waits (tests pass one that returns at once). */
  readonly sleep: (ms: number) => Promise<void>;
  /** Injected API Gateway client (tests); otherwise one built from the environment. */
  readonly apiGateway?: Pick<APIGatewayClient, 'send'>;
}

/**
 * Every authorizer cache to flush: KEYGATE_AUTHORIZER_CACHES (`<restApiId>/<stage>` space-separated, the
 * KeygateAuthorizerCaches stack output) and KEYGATE_REST_API_ID + KEYGATE_API_STAGE; none when not configured.
 */
export function flushTargetsFromEnv(env: CutoffIo['env']): FlushTarget[] {
  const targets: FlushTarget[] = parseAuthorizerCaches(env.KEYGATE_AUTHORIZER_CACHES ?? '');
  const restApiId = env.KEYGATE_REST_API_ID?.trim();
  const stage = env.KEYGATE_API_STAGE?.trim();
  if (restApiId && stage && !targets.some((t) => t.restApiId === restApiId && t.stage === stage)) {
    targets.push({ restApiId, stage });
  }
  return targets;
}

/** Seconds to wait before the flush: KEYGATE_REVOCATION_WAIT_SECONDS or the default propagation time. */
export function waitSeconds(env: CutoffIo['env']): number {
  const raw = env.KEYGATE_REVOCATION_WAIT_SECONDS?.trim();
  if (raw && /^\d{1,4}$/.test(raw)) return Number(raw);
  return revocationPropagationSeconds();
}

function apiGatewayClient(env: CutoffIo['env']): APIGatewayClient {
  return new APIGatewayClient({ ...awsClientConfig(env, 'API_GATEWAY'), maxAttempts: 3 });
}

/**
 * After a revoke, disable or delete: waits for the authorizers, flushes the gateway
 * cache and says what holds. With `wait: false` it only explains what remains cached.
 */
export async function cutOffTokens(io: CutoffIo, opts: { readonly wait: boolean }): Promise<void> {
  // API Gateway's native JWT authorizer reads no revocation list and caches no policy (docs/authorizers.md).
  if (io.env.KEYGATE_AUTHORIZER === 'native') {
    io.out(
      "note: KEYGATE_AUTHORIZER=native: API Gateway's JWT authorizer cannot revoke, so these tokens keep working until they expire; keygate's own authorizer refuses them within 30 s.\n",
    );
    return;
  }
  const targets = flushTargetsFromEnv(io.env);
  const names = targets.map((t) => `${t.restApiId}/${t.stage}`).join(', ');
  if (targets.length === 0) {
    io.out(
      'note: no authorizer cache is named (KEYGATE_AUTHORIZER_CACHES, or KEYGATE_REST_API_ID and KEYGATE_API_STAGE), so none is flushed: a cached Allow can serve these tokens until the cache TTL (300 s by default) ends. Name the stack with --stack (its KeygateAuthorizerCaches output), or set them, and run the command again.\n',
    );
    return;
  }
  if (!opts.wait) {
    io.out(
      `note: --no-wait: the authorizer cache of ${names} is not flushed; cached Allows serve these tokens until the cache TTL ends.\n`,
    );
    return;
  }
  const seconds = waitSeconds(io.env);
  io.out(`Waiting ${seconds} s for every authorizer to load the revocation list...\n`);
  await io.sleep(seconds * 1000);
  const client = io.apiGateway ?? apiGatewayClient(io.env);
  try {
    for (const target of targets) {
      await client.send(
        new FlushStageAuthorizersCacheCommand({ restApiId: target.restApiId, stageName: target.stage }),
      );
    }
  } finally {
    if (!io.apiGateway) (client as APIGatewayClient).destroy();
  }
  io.out(
    `Flushed the authorizer cache of ${names}: keygate's authorizer now refuses these tokens at every route.\n`,
  );
}
