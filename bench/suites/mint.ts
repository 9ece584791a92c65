// Token issuance: tokens/s through the token handler (API Gateway event in, response out) with the KMS
// emulator over HTTP and dynalite (client cached), the minter with KMS and with an in-process signer, against
// the floor: a local RS256 sign of the same signing input with the same private key, in-process, paired
// with each row in interleaved rounds. The KMS rows stay inside the emulator's RSA quota (AWS's, enforced as
// KMS does) by pacing, and report issuance as a share of that quota and of the floor.
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createClientRegistry } from '../../core/issuer/clients/client-registry.js';
import { MAX_ISSUANCE_RATE_PER_SECOND } from '../../core/issuer/clients/client-rules.js';
import { createKmsClient } from '../../core/issuer/keys/kms.js';
import { createKmsSigner } from '../../core/issuer/keys/kms-signer.js';
import { createTokenMinter } from '../../core/issuer/tokens/token-minter.js';
import { localDynamo } from '../../fixtures/dynalite.js';
import { createLocalSigner } from '../../fixtures/local-signer.js';
import { createDeps, createHandler, loadConfig, type TokenLogger } from '../../handlers/token.js';
import { startDynalite } from '../../local/dynalite.js';
import { startKmsEmulator } from '../../local/kms/index.js';
import { runInterleaved } from '../../measure/interleaved.js';
import { type BenchRow, type BenchSuite, row } from '../../measure/suite.js';
import { createQuotaPacer } from '../lib/quota-pacer.js';
import { RSA_SIGN_FLOOR, rsaSignFloorTask } from '../lib/rsa-floor.js';

const FLOOR = RSA_SIGN_FLOOR;
const MINT_LOCAL = 'minter, in-process signer';
const MINT_KMS = 'minter, KMS emulator over HTTP';
const HANDLER = 'token handler, KMS emulator + dynalite (cached client)';

const ISSUER = 'https://auth.keygate.test/prod';
const AUDIENCE = 'https://api.keygate.test';
const ALIAS = 'alias/keygate-bench';
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
/**
 * The KMS rows start Signs at most at this share of the emulator's quota: 5% headroom, since the emulator's
 * one-second windows and the pacer's slots need not line up.
 */
const KMS_PACE_SHARE = 0.95;
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
        // The bench's one client asks as fast as the KMS quota allows: its issuance limit must not stop it.
        issuanceRatePerSecond: MAX_ISSUANCE_RATE_PER_SECOND,
      });
      const kmsClient = createKmsClient({ endpoint: kms.url, region: 'us-east-1', credentials });
      const handler = createHandler(
        // The key state is re-read every KEY_STATE_CACHE_SECONDS (10 s by default) whatever the client: at
        // the maximum, the run's DynamoDB count is the client cache's alone, which the target judges.
        createDeps(
          loadConfig({
            ISSUER,
            AUDIENCE,
            CLIENTS_TABLE: 'bench-clients',
            SIGNING_KEY_ID: ALIAS,
            KEY_STATE_CACHE_SECONDS: '300',
          }),
          {
            dynamodb: localDynamo(db.endpoint),
            kms: kmsClient,
            logger: silent,
          },
        ),
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
      const quota = kms.quota.stats().perSecond;
      // One pacer for both KMS rows: they share the account's quota, as every caller does on AWS.
      const pace = createQuotaPacer(quota * KMS_PACE_SHARE);
      kms.quota.reset();

      const rows = await runInterleaved({
        timeMs,
        warmupMs,
        floor: rsaSignFloorTask(signingInput, privateKey),
        tasks: [
          {
            name: MINT_LOCAL,
            fn: async () => {
              await localMinter.mint(request);
            },
          },
          {
            name: MINT_KMS,
            fn: async () => {
              await pace();
              await kmsMinter.mint(request);
            },
          },
          {
            name: HANDLER,
            fn: async () => {
              await pace();
              const res = await handler(event);
              if (res.statusCode !== 200)
                throw new Error(`token handler answered ${res.statusCode}: ${res.body}`);
            },
          },
        ],
      });
      const reads = db.requestCount() - readsBefore;
      const { throttled, peakPerSecond } = kms.quota.stats();
      const share = (r: BenchRow) => `${((100 * r.opsPerSec) / quota).toFixed(1)}%`;
      for (const r of rows.filter((x) => x.name === MINT_KMS || x.name === HANDLER)) {
        console.log(
          `${r.name}: ${Math.round(r.opsPerSec)} tokens/s = ${share(r)} of the KMS RSA quota (${quota}/s, paced to ${KMS_PACE_SHARE * 100}%) and ${(r.ratio ?? Number.NaN).toFixed(2)}x the local signing floor`,
        );
      }
      return rows.map((r) =>
        r.name === MINT_KMS || r.name === HANDLER
          ? {
              ...r,
              extra: {
                kmsQuotaShare: share(r),
                kmsQuotaPerSecond: quota,
                kmsBusiestSecond: peakPerSecond,
                kmsThrottled: throttled,
                ...(r.name === HANDLER ? { dynamodbReadsDuringRun: reads } : {}),
              },
            }
          : r,
      );
    } finally {
      await Promise.all([kms.close(), db.close()]);
      rmSync(stateDir, { recursive: true, force: true });
    }
  },
  // Ratios are the median over interleaved pairings of row/floor (measure/interleaved.ts).
  targets: [
    {
      description: 'minter with an in-process signer >= 0.80x the local-sign floor (JWT assembly is cheap)',
      check: (rows) => {
        const ratio = row(rows, MINT_LOCAL).ratio ?? Number.NaN;
        return { pass: ratio >= 0.8, actual: `${ratio.toFixed(2)}x` };
      },
    },
    {
      description: "issuance through KMS stays inside the emulator's RSA quota (no Sign throttled)",
      check: (rows) => {
        const extra = row(rows, HANDLER).extra ?? {};
        const throttled = Number(extra.kmsThrottled ?? Number.NaN);
        return {
          pass: throttled === 0,
          actual: `${throttled} throttled; busiest second ${extra.kmsBusiestSecond}/${extra.kmsQuotaPerSecond}`,
        };
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
