// Token issuance: tokens/s through the token handler (API Gateway event in, response out) with the KMS
// emulator over HTTP and dynalite (client cached), the minter with KMS and with an in-process signer, against
// the floor: a local RS256 sign of the same signing input with the same private key, in-process.
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { Bench } from 'tinybench';
import { createClientRegistry } from '../../core/issuer/client-registry.js';
import { createKmsClient } from '../../core/issuer/kms.js';
import { createKmsSigner } from '../../core/issuer/kms-signer.js';
import { createTokenMinter } from '../../core/issuer/token-minter.js';
import { localDynamo } from '../../fixtures/dynalite.js';
import { createLocalSigner } from '../../fixtures/local-signer.js';
import { createDeps, createHandler, loadConfig, type TokenLogger } from '../../handlers/token.js';
import { startDynalite } from '../../local/dynalite.js';
import { startKmsEmulator } from '../../local/kms/index.js';
import { type BenchRow, type BenchSuite, row, rowsFromBench } from '../../measure/suite.js';

const FLOOR = 'local RS256 sign, same key (floor)';
const MINT_LOCAL = 'minter, in-process signer';
const MINT_KMS = 'minter, KMS emulator over HTTP';
const HANDLER = 'token handler, KMS emulator + dynalite (cached client)';

const ISSUER = 'https://auth.keygate.test/prod';
const AUDIENCE = 'https://api.keygate.test';
const ALIAS = 'alias/keygate-bench';
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
const silent: TokenLogger = { info() {}, warn() {}, error() {} } as unknown as TokenLogger;

export const suite: BenchSuite = {
  name: 'mint',
  description:
    'RS256 token issuance: handler and minter (KMS emulator over HTTP, in-process) vs a local sign',
  floor: FLOOR,
  async run({ timeMs, warmupMs }): Promise<BenchRow[]> {
    const stateDir = mkdtempSync(join(tmpdir(), 'keygate-bench-kms-'));
    const [kms, db] = await Promise.all([startKmsEmulator({ stateDir }), startDynalite()]);
    try {
      await kms.createKey({ alias: ALIAS });
      // The emulator persisted the key: the floor signs with the very same private key.
      const state = JSON.parse(readFileSync(join(stateDir, 'kms-state.json'), 'utf8')) as {
        keys: { privateKeyPem: string }[];
      };
      const privateKey = createPrivateKey(state.keys[0]!.privateKeyPem);

      const registry = createClientRegistry({
        dynamodb: localDynamo(db.endpoint),
        tableName: 'bench-clients',
      });
      await registry.createTable();
      const { record, clientSecret } = await registry.create({
        name: 'bench',
        scopes: ['products/read', 'products/write'],
      });
      const kmsClient = createKmsClient({ endpoint: kms.url, region: 'us-east-1', credentials });
      const handler = createHandler(
        createDeps(loadConfig({ ISSUER, AUDIENCE, CLIENTS_TABLE: 'bench-clients', SIGNING_KEY_ID: ALIAS }), {
          dynamodb: localDynamo(db.endpoint),
          kms: kmsClient,
          logger: silent,
        }),
      );
      const event = {
        httpMethod: 'POST',
        path: '/oauth2/token',
        resource: '/oauth2/token',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Authorization: `Basic ${Buffer.from(`${record.clientId}:${clientSecret}`).toString('base64')}`,
        },
        multiValueHeaders: {},
        queryStringParameters: null,
        body: 'grant_type=client_credentials',
        isBase64Encoded: false,
        requestContext: { requestId: 'bench' },
      } as unknown as APIGatewayProxyEvent;

      const kmsMinter = createTokenMinter({
        signer: createKmsSigner({ kms: kmsClient, keyId: ALIAS }),
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      const localMinter = createTokenMinter({
        signer: createLocalSigner(privateKey),
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      const request = {
        clientId: record.clientId,
        scopes: ['products/read', 'products/write'],
        lifetimeSeconds: 3600,
      };

      // Warm: kid fetched, client cached, and a real token's signing input for the floor.
      const first = JSON.parse((await handler(event)).body) as { access_token?: string };
      if (!first.access_token)
        throw new Error(`the token handler did not issue a token: ${JSON.stringify(first)}`);
      await kmsMinter.mint(request);
      const signingInput = Buffer.from(
        first.access_token.slice(0, first.access_token.lastIndexOf('.')),
        'ascii',
      );
      const readsBefore = db.requestCount();

      const bench = new Bench({ time: timeMs, warmupTime: warmupMs });
      bench
        .add(FLOOR, () => {
          sign('sha256', signingInput, privateKey);
        })
        .add(MINT_LOCAL, async () => {
          await localMinter.mint(request);
        })
        .add(MINT_KMS, async () => {
          await kmsMinter.mint(request);
        })
        .add(HANDLER, async () => {
          const res = await handler(event);
          if (res.statusCode !== 200)
            throw new Error(`token handler answered ${res.statusCode}: ${res.body}`);
        });
      await bench.run();
      const rows = rowsFromBench(bench);
      const reads = db.requestCount() - readsBefore;
      return rows.map((r) => (r.name === HANDLER ? { ...r, extra: { dynamodbReadsDuringRun: reads } } : r));
    } finally {
      await Promise.all([kms.close(), db.close()]);
      rmSync(stateDir, { recursive: true, force: true });
    }
  },
  targets: [
    {
      description: 'minter with an in-process signer >= 0.80x the local-sign floor (JWT assembly is cheap)',
      check: (rows) => {
        const ratio = row(rows, MINT_LOCAL).opsPerSec / row(rows, FLOOR).opsPerSec;
        return { pass: ratio >= 0.8, actual: `${ratio.toFixed(2)}x` };
      },
    },
    {
      description: 'a hot client costs no DynamoDB read per token (cached client)',
      check: (rows) => {
        const reads = Number(row(rows, HANDLER).extra?.dynamodbReadsDuringRun ?? Number.NaN);
        return { pass: reads === 0, actual: `${reads} DynamoDB requests` };
      },
    },
  ],
};
