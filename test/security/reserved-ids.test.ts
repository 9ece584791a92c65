// Attacks on keygate's own items in the clients table (`#keygate/signing-keys`, `#assertion-jti/…`,
// `#revoked-jti/…`): none of them is a client by any path. The admin CLI cannot read or change one, the
// token endpoint cannot authenticate as one, whatever the spelling. Real HTTP against the local stack, the
// real CLI, the real SDK reading the items back.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyStateStore } from '../../core/issuer/keys/key-state.js';
import {
  ASSERTION_JTI_PREFIX,
  KEY_STATE_ITEM_ID,
  REVOKED_JTI_PREFIX,
} from '../../core/issuer/keys/key-state-item.js';
import { basicAuth } from '../support/basic-auth.js';
import { mintToken } from '../support/client-token.js';
import { clientsCli } from '../support/clients-cli.js';
import { type LocalStack, startLocalStack } from '../support/products-stack.js';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const INVALID_CLIENT = { error: 'invalid_client', error_description: 'client authentication failed' };

let stack: LocalStack;
let jwksFile: string;
/** One real item of each reserved kind, written by the stack itself. */
let reserved: { keyState: string; assertionJti: string; revokedJti: string };

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
const rawItem = async (id: string) =>
  (
    await stack.clients.dynamodb.send(
      new GetItemCommand({ TableName: stack.tableName, Key: { client_id: { S: id } }, ConsistentRead: true }),
    )
  ).Item;

/** A token request authenticated by an ES256 assertion of `clientId` (RFC 7523 §2.2). */
async function assertionTokenRequest(clientId: string, key: PrivateKey, jti: string) {
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({ jti, iat: now, exp: now + 60 })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(stack.issuer)
    .setProtectedHeader({ alg: 'ES256' })
    .sign(key);
  return post(
    stack.tokenUrl,
    form({
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: assertion,
    }),
  );
}

beforeAll(async () => {
  stack = await startLocalStack({ inMemory: true, ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 } });
  // The key state as the rotation Lambda writes it (the local stack keeps its own in memory).
  await createKeyStateStore({ dynamodb: stack.clients.dynamodb, tableName: stack.tableName }).write(
    {
      signingKeyId: stack.signingKeyId,
      publishedKeyIds: [...stack.publishedKeyIds],
    },
    undefined,
  );
  const keys = await generateKeyPair('ES256', { extractable: true });
  const jwks = { keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1' }] };
  jwksFile = join(await mkdtemp(join(tmpdir(), 'keygate-reserved-')), 'jwks.json');
  await writeFile(jwksFile, JSON.stringify(jwks));
  // A used assertion jti: a key client gets a token once.
  const keyClient = await stack.registry.createWithKeys(
    { name: 'reserved-k', scopes: ['products/read'] },
    jwks,
  );
  const jti = 'used-once';
  expect((await assertionTokenRequest(keyClient.clientId, keys.privateKey, jti)).status).toBe(200);
  // A revoked token's jti: a secret client revokes its own token (RFC 7009).
  const { record, clientSecret } = await stack.registry.create({
    name: 'reserved-s',
    scopes: ['products/read'],
  });
  const token = await mintToken(stack.tokenUrl, { id: record.clientId, secret: clientSecret });
  const revoked = await post(`${stack.issuer}/oauth2/revoke`, form({ token }), {
    authorization: basicAuth(record.clientId, clientSecret),
  });
  expect(revoked.status).toBe(200);
  const tokenJti = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { jti: string })
    .jti;
  reserved = {
    keyState: KEY_STATE_ITEM_ID,
    assertionJti: `${ASSERTION_JTI_PREFIX}${keyClient.clientId}/${jti}`,
    revokedJti: `${REVOKED_JTI_PREFIX}${tokenJti}`,
  };
  for (const id of Object.values(reserved)) expect([id, await rawItem(id)]).toEqual([id, expect.anything()]);
}, 60_000);
afterAll(() => stack?.close());

const ids = () => Object.entries(reserved);
const KINDS = ['keyState', 'assertionJti', 'revokedJti'] as const;

describe('the admin CLI never treats a reserved item as a client', () => {
  it.each(KINDS)(
    '%s: show, update, set-jwks, disable, enable, revoke, rotate-secret and delete fail as unknown and leave the item as it was',
    async (kind) => {
      const id = reserved[kind];
      const before = await rawItem(id);
      for (const args of [
        ['show', id],
        ['update', id, '--name', 'pwned'],
        ['update', id, '--introspect'],
        ['update', id, '--claim', 'tenant=pwned'],
        ['set-jwks', id, '--jwks', jwksFile],
        ['disable', id],
        ['enable', id],
        ['revoke', id],
        ['rotate-secret', id],
        ['delete', id, '--yes'],
      ]) {
        const run = await clientsCli(stack.clientEnv, args);
        expect([args[0], run.code, run.out]).toEqual([args[0], 1, '']);
        expect(run.err).toContain(`no client ${JSON.stringify(id)}`);
      }
      expect(await rawItem(id)).toEqual(before);
    },
  );

  it('list shows no reserved item', async () => {
    const run = await clientsCli(stack.clientEnv, ['--json', 'list']);
    expect(run.code).toBe(0);
    const listed = (JSON.parse(run.out) as { client_id: string }[]).map((c) => c.client_id);
    expect(listed.filter((id) => id.startsWith('#'))).toEqual([]);
  });
});

describe('the token endpoint never authenticates a reserved item', () => {
  it.each(['client_secret_basic', 'client_secret_post'])(
    '%s with a reserved id as client_id is 401 invalid_client',
    async (method) => {
      for (const [, id] of ids()) {
        const res =
          method === 'client_secret_basic'
            ? await post(stack.tokenUrl, 'grant_type=client_credentials', {
                authorization: basicAuth(id, 'x'.repeat(43)),
              })
            : await post(
                stack.tokenUrl,
                form({ grant_type: 'client_credentials', client_id: id, client_secret: 'x'.repeat(43) }),
              );
        expect([id, res.status, await res.json()]).toEqual([id, 401, INVALID_CLIENT]);
      }
    },
  );

  it('a client assertion whose sub is a reserved id is 401 invalid_client', async () => {
    const keys = await generateKeyPair('ES256');
    for (const [, id] of ids()) {
      const res = await assertionTokenRequest(id, keys.privateKey, crypto.randomUUID());
      expect([id, res.status, await res.json()]).toEqual([id, 401, INVALID_CLIENT]);
    }
  });
});
