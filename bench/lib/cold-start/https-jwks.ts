// A JWKS endpoint (and the issuer's revocation list, empty, carrying the JWKS's keys as the issuer publishes
// it: core/revocation/keyed-document.ts) over HTTPS for the cold-start children, as an issuer serves them
// in AWS: a self-signed
// certificate made at bench time with openssl in a temp folder, trusted by the children through
// NODE_EXTRA_CA_CERTS. The folder goes on close(), on exit and on SIGINT/SIGTERM.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SigningKeys, withSigningKeys } from '../../../core/revocation/keyed-document.js';

/** An issuer's revocation document with nothing revoked (core/revocation/document.ts). */
const EMPTY_REVOCATIONS = { disabled: [], revoked_at: {} };

export interface HttpsJwks {
  readonly url: string;
  /** GET /revocations on the same server: what a KeygateIssuer's authorizer loads besides the JWKS. */
  readonly revocationsUrl: string;
  /** The same list without the keys, as an issuer that predates keyed-document.ts serves it. */
  readonly revocationsWithoutKeysUrl: string;
  /** The PEM certificate to put in NODE_EXTRA_CA_CERTS. */
  readonly caFile: string;
  /** A private temp folder (removed with the server) for the bench's other files. */
  readonly dir: string;
  close(): Promise<void>;
}

export async function startHttpsJwks(body: string): Promise<HttpsJwks> {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-cold-start-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    remove();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', remove);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const keyFile = join(dir, 'tls-key.pem');
  const caFile = join(dir, 'tls-cert.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        caFile,
        '-days',
        '1',
      ].concat(['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']),
      { stdio: 'ignore' },
    );
  } catch (error) {
    remove();
    throw new Error(`openssl could not make the bench certificate: ${(error as Error).message}`);
  }
  const revocations = JSON.stringify(withSigningKeys(EMPTY_REVOCATIONS, JSON.parse(body) as SigningKeys));
  const server = createServer({ key: readFileSync(keyFile), cert: readFileSync(caFile) }, (req, res) => {
    const doc =
      req.url === '/revocations'
        ? revocations
        : req.url === '/revocations-without-keys'
          ? JSON.stringify(EMPTY_REVOCATIONS)
          : body;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' }).end(doc);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/.well-known/jwks.json`,
    revocationsUrl: `https://127.0.0.1:${port}/revocations`,
    revocationsWithoutKeysUrl: `https://127.0.0.1:${port}/revocations-without-keys`,
    caFile,
    dir,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          remove();
          process.off('exit', remove);
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve();
        });
      }),
  };
}
