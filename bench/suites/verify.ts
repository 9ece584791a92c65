// RS256 (RSA-2048) access-token verification, side by side in one run: the raw node:crypto floor, keygate on
// a cache miss and a cache hit, and the peers (jose, aws-jwt-verify, fast-jwt, WebCrypto, jsonwebtoken).
// Every per-token row cycles through the same pool of distinct pre-signed tokens.
import { verify as cryptoVerify, webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { createVerifier as createFastJwtVerifier } from 'fast-jwt';
import { importJWK, jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { Bench } from 'tinybench';
import { createJwksKeyStore, createVerifier } from '../../core/jwt/index.js';
import { startJwksServer } from '../../test/support/jwks-server.js';
import { signToken, TEST_AUDIENCE, TEST_ISSUER, testKey } from '../../test/support/tokens.js';
import { type BenchRow, type BenchSuite, row, rowsFromBench } from '../suite.js';

const FLOOR = 'raw crypto.verify, KeyObject (floor)';
const KEYGATE_MISS = 'keygate verify, cache miss';
const KEYGATE_HIT = 'keygate verify, cache hit';
const KEYGATE_HIT_DETAILED = 'keygate verifyDetailed, cache hit';
const JOSE = 'jose jwtVerify, CryptoKey';
const AWS = 'aws-jwt-verify, JWKS cached';
const FAST = 'fast-jwt, no cache';
const FAST_HIT = 'fast-jwt, cache hit';
const SUBTLE = 'raw WebCrypto subtle.verify';
const JWT_PEM = 'jsonwebtoken, PEM cached';
const JWT_FILE = 'jsonwebtoken + readFileSync per call (original design)';

const POOL = 1000;
/** Tokens per task iteration on per-token rows: amortizes tinybench's per-iteration overhead equally. */
const BATCH = 20;
/** Calls per task iteration on cache-hit rows (each call is sub-microsecond). */
const HIT_BATCH = 1000;

export const suite: BenchSuite = {
  name: 'verify',
  description: `RS256 RSA-2048 verification, ${POOL} distinct tokens; keygate vs the raw floor and peers`,
  floor: FLOOR,
  async run({ timeMs, warmupMs }): Promise<BenchRow[]> {
    const key = testKey('bench-verify');
    const jwks = await startJwksServer({ keys: [key.jwk] });
    const dir = mkdtempSync(join(tmpdir(), 'keygate-bench-'));
    try {
      const pem = key.publicKey.export({ format: 'pem', type: 'spki' }).toString();
      const pemPath = join(dir, 'public.pem');
      writeFileSync(pemPath, pem);
      const tokens = Array.from({ length: POOL }, (_, i) =>
        signToken({ key, claims: { jti: `bench-${i}`, scope: 'products/read products/write' } }),
      );
      const repeated = tokens[0]!;
      const raw = tokens.map((t) => {
        const dot = t.lastIndexOf('.');
        return { data: Buffer.from(t.slice(0, dot)), sig: Buffer.from(t.slice(dot + 1), 'base64url') };
      });

      const keyStore = createJwksKeyStore({ jwksUri: jwks.url });
      await keyStore.prefetch();
      const common = { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, keyStore };
      const missVerifier = createVerifier({ ...common, tokenCacheSize: 0 });
      const hitVerifier = createVerifier(common);
      await hitVerifier.verify(repeated);

      const joseKey = await importJWK(key.jwk, 'RS256');
      const joseOptions = {
        algorithms: ['RS256'],
        issuer: TEST_ISSUER,
        audience: TEST_AUDIENCE,
        typ: 'at+jwt',
      };
      const aws = JwtRsaVerifier.create({ issuer: TEST_ISSUER, audience: TEST_AUDIENCE, jwksUri: jwks.url });
      aws.cacheJwks({ keys: [{ ...key.jwk }] });
      const fastOptions = {
        algorithms: ['RS256' as const],
        allowedIss: TEST_ISSUER,
        allowedAud: TEST_AUDIENCE,
      };
      const fast = createFastJwtVerifier({ key: pem, ...fastOptions, cache: false });
      const fastCached = createFastJwtVerifier({ key: pem, ...fastOptions, cache: true });
      fastCached(repeated);
      const subtleKey = await webcrypto.subtle.importKey(
        'jwk',
        key.jwk,
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        false,
        ['verify'],
      );
      const jwtOptions: jsonwebtoken.VerifyOptions = {
        algorithms: ['RS256'],
        issuer: TEST_ISSUER,
        audience: TEST_AUDIENCE,
      };

      // Each peer must actually accept the pool (a failing verifier would look fast).
      await jwtVerify(repeated, joseKey, joseOptions);
      await aws.verify(repeated);
      fast(repeated);
      jsonwebtoken.verify(repeated, pem, jwtOptions);

      const cursor = { floor: 0, miss: 0, jose: 0, aws: 0, fast: 0, subtle: 0, pem: 0, file: 0 };
      const next = (name: keyof typeof cursor): number => {
        const i = cursor[name];
        cursor[name] = (i + 1) % POOL;
        return i;
      };

      const bench = new Bench({ time: timeMs, warmupTime: warmupMs, throws: true });
      bench
        .add(FLOOR, () => {
          for (let n = 0; n < BATCH; n++) {
            const input = raw[next('floor')]!;
            if (!cryptoVerify('sha256', input.data, key.publicKey, input.sig))
              throw new Error('floor failed');
          }
        })
        .add(KEYGATE_MISS, async () => {
          for (let n = 0; n < BATCH; n++) await missVerifier.verify(tokens[next('miss')]!);
        })
        .add(KEYGATE_HIT, async () => {
          for (let n = 0; n < HIT_BATCH; n++) await hitVerifier.verify(repeated);
        })
        .add(KEYGATE_HIT_DETAILED, async () => {
          for (let n = 0; n < HIT_BATCH; n++) await hitVerifier.verifyDetailed(repeated);
        })
        .add(JOSE, async () => {
          for (let n = 0; n < BATCH; n++) await jwtVerify(tokens[next('jose')]!, joseKey, joseOptions);
        })
        .add(AWS, async () => {
          for (let n = 0; n < BATCH; n++) await aws.verify(tokens[next('aws')]!);
        })
        .add(FAST, () => {
          for (let n = 0; n < BATCH; n++) fast(tokens[next('fast')]!);
        })
        .add(FAST_HIT, () => {
          for (let n = 0; n < HIT_BATCH; n++) fastCached(repeated);
        })
        .add(SUBTLE, async () => {
          for (let n = 0; n < BATCH; n++) {
            const input = raw[next('subtle')]!;
            const ok = await webcrypto.subtle.verify('RSASSA-PKCS1-v1_5', subtleKey, input.sig, input.data);
            if (!ok) throw new Error('subtle failed');
          }
        })
        .add(JWT_PEM, () => {
          for (let n = 0; n < BATCH; n++) jsonwebtoken.verify(tokens[next('pem')]!, pem, jwtOptions);
        })
        .add(JWT_FILE, () => {
          for (let n = 0; n < BATCH; n++) {
            jsonwebtoken.verify(tokens[next('file')]!, readFileSync(pemPath, 'utf8'), jwtOptions);
          }
        });
      await bench.run();
      const batches: Record<string, number> = {};
      for (const task of bench.tasks) batches[task.name] = BATCH;
      for (const name of [KEYGATE_HIT, KEYGATE_HIT_DETAILED, FAST_HIT]) batches[name] = HIT_BATCH;
      const stats = hitVerifier.stats();
      if (stats.tokenCacheMisses !== 1) throw new Error('cache-hit row missed the cache');
      return rowsFromBench(bench, batches);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await jwks.close();
    }
  },
  targets: [
    {
      description: 'keygate cache miss >= 0.95x the raw crypto.verify floor',
      check: (rows) => {
        const ratio = row(rows, KEYGATE_MISS).opsPerSec / row(rows, FLOOR).opsPerSec;
        return { pass: ratio >= 0.95, actual: `${ratio.toFixed(3)}x` };
      },
    },
    {
      description: "keygate cache hit >= 10x fast-jwt's cache hit",
      check: (rows) => {
        const ratio = row(rows, KEYGATE_HIT).opsPerSec / row(rows, FAST_HIT).opsPerSec;
        return { pass: ratio >= 10, actual: `${ratio.toFixed(2)}x` };
      },
    },
  ],
};
