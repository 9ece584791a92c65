// The revocation document with 10,000 single revoked tokens (RFC 7009 `revoked_jti`) beside the signing
// keys, as served: its size, and what the authorizer's refresh costs with it: the JSON parse (the floor),
// parse + index (the two parsers the list runs), a whole refresh over loopback HTTP, and a lookup.
import { randomBytes } from 'node:crypto';
import { revocationsBody } from '../../core/publish/documents.js';
import { toRevocationDocument } from '../../core/revocation/document.js';
import {
  createRevocationList,
  parseRevocationDocument,
  parseRevokedJtis,
} from '../../core/revocation/index.js';
import { startJwksServer } from '../../fixtures/jwks-server.js';
import { testKey } from '../../fixtures/tokens.js';
import { runInterleaved } from '../../measure/interleaved.js';
import { type BenchRow, type BenchSuite, row } from '../../measure/suite.js';

const REVOKED_TOKENS = 10_000;
const FLOOR = `JSON.parse of the document, ${REVOKED_TOKENS.toLocaleString('en-US')} revoked jtis`;
const PARSE_INDEX = 'parse + index (the list refresh without the download)';
const REFRESH = 'refresh over loopback HTTP (download + parse + index)';
const LOOKUP = 'isRevoked, a token not in the list';
const LOOKUP_BATCH = 1000;
/** A refresh runs every 10 s per container and blocks the call that finds the list old. */
const PARSE_BUDGET_MS = 10;

export const suite: BenchSuite = {
  name: 'revocations',
  description: `the revocation document with ${REVOKED_TOKENS.toLocaleString('en-US')} revoked tokens: size and refresh cost`,
  floor: FLOOR,
  async run({ timeMs, warmupMs }): Promise<BenchRow[]> {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    // jtis as the minter makes them (core/issuer/tokens/token-minter.ts: 128 random bits, base64url).
    const doc = toRevocationDocument(
      Array.from({ length: REVOKED_TOKENS }, (_, i) => ({
        clientId: `kg_client_${i % 50}`,
        jti: randomBytes(16).toString('base64url'),
        exp: exp + (i % 3600),
      })),
    );
    const { body } = revocationsBody(doc, { keys: [testKey().jwk] });
    const server = await startJwksServer(body);
    let t = 0;
    const list = createRevocationList({
      uri: server.url,
      refreshMs: 0,
      maxStaleMs: 60_000,
      fetchTimeoutMs: 2000,
      clock: () => t,
    });
    await list.refresh();
    try {
      const rows = await runInterleaved({
        timeMs,
        warmupMs,
        floor: { name: FLOOR, fn: () => void JSON.parse(body) },
        tasks: [
          {
            name: PARSE_INDEX,
            fn: () => {
              const parsed = JSON.parse(body) as unknown;
              parseRevocationDocument(parsed);
              parseRevokedJtis(parsed);
            },
          },
          {
            name: REFRESH,
            fn: async () => {
              t += 1;
              await list.refresh();
            },
          },
          {
            name: LOOKUP,
            batch: LOOKUP_BATCH,
            fn: () => {
              for (let n = 0; n < LOOKUP_BATCH; n++) list.isRevoked('kg_client_1', 1, 'not-revoked');
            },
          },
        ],
      });
      const bytes = Buffer.byteLength(body);
      return rows.map((r) =>
        r.name === FLOOR ? { ...r, extra: { bytes, bytesPerJti: Math.round(bytes / REVOKED_TOKENS) } } : r,
      );
    } finally {
      await server.close();
    }
  },
  targets: [
    {
      description: `the document with ${REVOKED_TOKENS.toLocaleString('en-US')} revoked jtis stays under 1 MB (MAX_REVOCATIONS_BYTES)`,
      check: (rows) => {
        const bytes = Number(row(rows, FLOOR).extra?.bytes);
        return { pass: bytes < 1_000_000, actual: `${bytes.toLocaleString('en-US')} bytes` };
      },
    },
    {
      description: `parse + index of ${REVOKED_TOKENS.toLocaleString('en-US')} revoked jtis p50 <= ${PARSE_BUDGET_MS} ms`,
      check: (rows) => {
        const ms = row(rows, PARSE_INDEX).p50Ns / 1e6;
        return { pass: ms <= PARSE_BUDGET_MS, actual: `${ms.toFixed(2)} ms` };
      },
    },
  ],
};
