// The KeygateClient custom resource: CloudFormation creates, updates and removes an OAuth client through the
// core client registry, as `keygate clients create|update|disable|revoke` do. The secret is Secrets Manager's:
// read here at deploy, stored only as its hash, never put in the answer (CloudFormation shows Data in stack
// events) nor in a log line. Delete disables the client and revokes every token it holds.
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { ConfigError, KeygateError } from '../core/errors.js';
import {
  type ClientRegistry,
  createClientRegistry,
  DEFAULT_ISSUANCE_RATE_PER_SECOND,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  type DynamoApi,
  deriveClientId,
  type NewClient,
  RegistryError,
} from '../core/issuer/index.js';
import { type CfnResponder, checkedResponseUrl } from './lib/cfn-response.js';
import { safeLog } from './lib/http.js';

/**
 * The custom resource's properties (what KeygateClient writes into the template; CloudFormation passes
 * numbers as strings). Changing TableName or SecretArn makes a new client: CloudFormation then deletes
 * (disables) the old one.
 */
export interface ClientResourceProperties {
  readonly TableName: string;
  readonly SecretArn: string;
  readonly Name: string;
  readonly Scopes: readonly string[];
  /** The issuer's declared scopes: the registry accepts these only. */
  readonly KnownScopes: readonly string[];
  readonly TokenLifetimeSeconds?: string;
  readonly IssuanceRatePerSecond?: string;
}

/** The custom resource's Data (Fn::GetAtt): never the secret. */
export const CLIENT_ID_ATTRIBUTE = 'ClientId';

/** Reads a Secrets Manager secret's current string value (GetSecretValue). */
export type SecretReader = (secretArn: string) => Promise<string>;

export interface ClientResourceDeps {
  readonly dynamodb: DynamoApi;
  readonly readSecret: SecretReader;
  readonly respond: CfnResponder;
  readonly logger: {
    info(message: string, fields: Record<string, unknown>): void;
    error(message: string, fields: Record<string, unknown>): void;
  };
  readonly now?: () => number;
}

/** The physical id of a Create that failed before a client existed: its Delete has nothing to do. */
export const NOT_CREATED = 'keygate-client-not-created';

type Props = Record<string, unknown>;

function parseProperties(raw: Props | undefined): ClientResourceProperties {
  const p = raw ?? {};
  const text = (name: string): string => {
    const v = p[name];
    if (typeof v !== 'string' || v === '') throw new ConfigError([`property ${name} is missing`]);
    return v;
  };
  const list = (name: string): string[] => {
    const v = p[name];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string'))
      throw new ConfigError([`property ${name} must be a list of scopes`]);
    return v as string[];
  };
  const optional = (name: string) => (typeof p[name] === 'string' ? (p[name] as string) : undefined);
  const lifetime = optional('TokenLifetimeSeconds');
  const rate = optional('IssuanceRatePerSecond');
  return {
    TableName: text('TableName'),
    SecretArn: text('SecretArn'),
    Name: text('Name'),
    Scopes: list('Scopes'),
    KnownScopes: list('KnownScopes'),
    ...(lifetime !== undefined ? { TokenLifetimeSeconds: lifetime } : {}),
    ...(rate !== undefined ? { IssuanceRatePerSecond: rate } : {}),
  };
}

/** A whole number from a property (CloudFormation sends strings); the registry checks its range. */
const int = (value: string | undefined, fallback: number): number =>
  value === undefined ? fallback : /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;

/** The client's settings; a removed optional prop goes back to the registry's default. */
function settings(
  p: ClientResourceProperties,
): Required<Pick<NewClient, 'name' | 'scopes' | 'tokenLifetimeSeconds' | 'issuanceRatePerSecond'>> {
  return {
    name: p.Name,
    scopes: p.Scopes,
    tokenLifetimeSeconds: int(p.TokenLifetimeSeconds, DEFAULT_TOKEN_LIFETIME_SECONDS),
    issuanceRatePerSecond: int(p.IssuanceRatePerSecond, DEFAULT_ISSUANCE_RATE_PER_SECOND),
  };
}

/** Same stack, resource, table and secret: same id. A new secret (a replaced Secret resource) is a new client. */
export const clientIdFor = (event: CloudFormationCustomResourceEvent, p: ClientResourceProperties): string =>
  deriveClientId(`${event.StackId}\n${event.LogicalResourceId}\n${p.TableName}\n${p.SecretArn}`);

/** What FAILED answers and the logs say: keygate's messages name tables and ids, never a secret. */
function reasonFor(err: unknown): string {
  if (err instanceof KeygateError) return `${err.code}: ${err.message}`;
  const name = (err as Error)?.name ?? 'Error';
  return `the client could not be written (${name})`;
}

export function createHandler(deps: ClientResourceDeps) {
  const registryFor = (p: ClientResourceProperties): ClientRegistry =>
    createClientRegistry({
      dynamodb: deps.dynamodb,
      tableName: p.TableName,
      scopes: p.KnownScopes,
      ...(deps.now ? { now: deps.now } : {}),
    });

  async function create(
    event: CloudFormationCustomResourceEvent,
    p: ClientResourceProperties,
  ): Promise<string> {
    const clientId = clientIdFor(event, p);
    const registry = registryFor(p);
    let clientSecret: string;
    try {
      clientSecret = await deps.readSecret(p.SecretArn);
    } catch (err) {
      throw new RegistryError('dependency_rejected', `reading the secret ${p.SecretArn} failed`, {
        cause: err,
      });
    }
    try {
      await registry.create(settings(p), { clientId, clientSecret });
    } catch (err) {
      // A retried Create (CloudFormation resends when our answer was lost) finds the client it made.
      if (!(err instanceof RegistryError && err.code === 'client_exists')) throw err;
      await registry.update(clientId, settings(p));
    }
    return clientId;
  }

  async function remove(clientId: string, p: ClientResourceProperties): Promise<void> {
    if (!clientId.startsWith('kg_')) return;
    const registry = registryFor(p);
    try {
      // Disabled: no new tokens, and the revocation list refuses every token whatever its iat; the
      // revocation stamp keeps them refused should someone enable the client again by hand.
      await registry.setStatus(clientId, 'disabled');
      await registry.revokeTokens(clientId);
    } catch (err) {
      // Gone already (deleted by hand, or its table removed): nothing left to disable.
      if (err instanceof RegistryError && (err.code === 'unknown_client' || err.code === 'table_missing'))
        return;
      throw err;
    }
  }

  async function apply(event: CloudFormationCustomResourceEvent): Promise<string> {
    const p = parseProperties(event.ResourceProperties as Props);
    switch (event.RequestType) {
      case 'Create':
        return create(event, p);
      case 'Update': {
        const old = parseProperties(event.OldResourceProperties as Props);
        if (old.TableName !== p.TableName || old.SecretArn !== p.SecretArn) return create(event, p);
        const { name, scopes, tokenLifetimeSeconds, issuanceRatePerSecond } = settings(p);
        await registryFor(p).update(event.PhysicalResourceId, {
          name,
          scopes,
          tokenLifetimeSeconds,
          issuanceRatePerSecond,
        });
        return event.PhysicalResourceId;
      }
      case 'Delete':
        await remove(event.PhysicalResourceId, p);
        return event.PhysicalResourceId;
    }
  }

  return async (event: CloudFormationCustomResourceEvent): Promise<void> => {
    const url = checkedResponseUrl(event.ResponseURL);
    const previous = event.RequestType === 'Create' ? NOT_CREATED : event.PhysicalResourceId;
    let answer: Record<string, unknown>;
    try {
      const clientId = await apply(event);
      safeLog(deps.logger, 'info', 'client resource applied', { requestType: event.RequestType, clientId });
      answer = { Status: 'SUCCESS', PhysicalResourceId: clientId, Data: { [CLIENT_ID_ATTRIBUTE]: clientId } };
    } catch (err) {
      const reason = reasonFor(err);
      safeLog(deps.logger, 'error', 'client resource failed', { requestType: event.RequestType, reason });
      answer = { Status: 'FAILED', Reason: reason, PhysicalResourceId: previous };
    }
    await deps.respond(
      url,
      JSON.stringify({
        ...answer,
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: event.LogicalResourceId,
      }),
    );
  };
}
