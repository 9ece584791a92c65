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
  /** The Secrets Manager secret of a secret client; absent for a private_key_jwt client (`Jwks`). */
  readonly SecretArn?: string;
  /** A private_key_jwt client's public keys: a JWK Set as JSON text (public keys only: fine in a template). */
  readonly Jwks?: string;
  /** RFC 8707 resources the client may ask for, its default, and the issuer's default audience (used once a
   * client's resources are removed: a client of that one audience is what a client without resources is). */
  readonly Resources?: readonly string[];
  readonly DefaultResource?: string;
  readonly DefaultAudience?: string;
  /** Static claims minted into every token of the client. */
  readonly Claims?: Readonly<Record<string, string>>;
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
      throw new ConfigError([`property ${name} must be a list of strings`]);
    return v as string[];
  };
  const optional = (name: string) => (typeof p[name] === 'string' ? (p[name] as string) : undefined);
  const lifetime = optional('TokenLifetimeSeconds');
  const rate = optional('IssuanceRatePerSecond');
  const secretArn = optional('SecretArn');
  const jwks = optional('Jwks');
  if ((secretArn === undefined) === (jwks === undefined))
    throw new ConfigError(['give exactly one of the properties SecretArn and Jwks']);
  const claims = p.Claims;
  if (
    claims !== undefined &&
    (typeof claims !== 'object' ||
      claims === null ||
      Object.values(claims).some((v) => typeof v !== 'string'))
  )
    throw new ConfigError(['property Claims must map claim names to strings']);
  return {
    TableName: text('TableName'),
    ...(secretArn !== undefined ? { SecretArn: secretArn } : {}),
    ...(jwks !== undefined ? { Jwks: jwks } : {}),
    ...(p.Resources !== undefined ? { Resources: list('Resources') } : {}),
    ...(optional('DefaultResource') !== undefined ? { DefaultResource: optional('DefaultResource') } : {}),
    ...(optional('DefaultAudience') !== undefined ? { DefaultAudience: optional('DefaultAudience') } : {}),
    ...(claims !== undefined ? { Claims: claims as Record<string, string> } : {}),
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

/**
 * Same stack, resource, table and secret: same id. A new secret (a replaced Secret resource), or a switch
 * between a secret and keys, is a new client.
 */
export const clientIdFor = (event: CloudFormationCustomResourceEvent, p: ClientResourceProperties): string =>
  deriveClientId(
    `${event.StackId}\n${event.LogicalResourceId}\n${p.TableName}\n${p.SecretArn ?? 'private_key_jwt'}`,
  );

/** The JWK Set of a key client (the registry checks it: public keys of a supported type only). */
function jwksOf(p: ClientResourceProperties): unknown {
  try {
    return JSON.parse(p.Jwks ?? '');
  } catch (cause) {
    throw new ConfigError(['property Jwks is not JSON'], { cause });
  }
}

/** Resources and claims as the registry takes them; on update, removed ones go back to the defaults. */
function extras(p: ClientResourceProperties, old?: ClientResourceProperties) {
  const resources =
    p.Resources !== undefined
      ? { resources: p.Resources, ...(p.DefaultResource ? { defaultResource: p.DefaultResource } : {}) }
      : old?.Resources !== undefined && p.DefaultAudience
        ? { resources: [p.DefaultAudience] }
        : {};
  const claims =
    p.Claims !== undefined ? { claims: p.Claims } : old?.Claims !== undefined ? { claims: {} } : {};
  return { ...resources, ...claims };
}

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
    const input = { ...settings(p), ...extras(p) };
    try {
      if (p.SecretArn === undefined) await registry.createWithKeys(input, jwksOf(p), { clientId });
      else await registry.create(input, { clientId, clientSecret: await readSecret(p.SecretArn) });
    } catch (err) {
      // A retried Create (CloudFormation resends when our answer was lost) finds the client it made.
      if (!(err instanceof RegistryError && err.code === 'client_exists')) throw err;
      await registry.update(clientId, input);
      if (p.SecretArn === undefined) await registry.setKeys(clientId, jwksOf(p));
    }
    return clientId;
  }

  async function readSecret(secretArn: string): Promise<string> {
    try {
      return await deps.readSecret(secretArn);
    } catch (err) {
      throw new RegistryError('dependency_rejected', `reading the secret ${secretArn} failed`, {
        cause: err,
      });
    }
  }

  async function remove(clientId: string, p: ClientResourceProperties): Promise<void> {
    if (!clientId.startsWith('kg_')) return;
    const registry = registryFor(p);
    try {
      // Disabled: no new tokens, and the revocation list refuses every token whatever its iat. The status
      // change stamps tokens_revoked_at, and so would enabling it again by hand: its old tokens stay refused.
      await registry.setStatus(clientId, 'disabled');
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
        const registry = registryFor(p);
        await registry.update(event.PhysicalResourceId, { ...settings(p), ...extras(p, old) });
        if (p.Jwks !== undefined && p.Jwks !== old.Jwks)
          await registry.setKeys(event.PhysicalResourceId, jwksOf(p));
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
