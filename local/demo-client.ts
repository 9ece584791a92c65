// The demo client `npm start` prints: created on the first start and kept in <state dir>/demo-client.json.
// On a later start it is reused as it is in the table; an admin's change (disable, secret rotation) is
// respected and reported, not papered over with a new full-scope client. Only a deleted demo client is
// replaced, since there is nothing left to respect.
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ClientRecord,
  type ClientRegistry,
  checkClientSecret,
  MAX_ISSUANCE_RATE_PER_SECOND,
} from '../core/issuer/index.js';
import { DemoFileError } from './errors.js';

const DEMO_FILE = 'demo-client.json';
/** The demo client mints token pools for load:local and the tests: the highest issuance rate. */
const DEMO_ISSUANCE_RATE = MAX_ISSUANCE_RATE_PER_SECOND;

/**
 * - created: first start (or in memory);
 * - kept: the saved client, active, with its saved secret;
 * - replaced: the saved client was deleted from the table, a new one was created (`replacedClientId`);
 * - disabled: the saved client is disabled (`npm run clients -- disable`): kept as it is;
 * - secret_rotated: its secret was rotated with the CLI, so the saved one no longer works: kept as it is.
 */
export type DemoClientState = 'created' | 'kept' | 'replaced' | 'disabled' | 'secret_rotated';

export interface DemoClient {
  readonly clientId: string;
  /** The saved secret; no longer accepted when `state` is secret_rotated. */
  readonly clientSecret: string;
  readonly scopes: readonly string[];
  /** true when created by this start (first run, in memory, or replacing a deleted one). */
  readonly created: boolean;
  readonly state: DemoClientState;
  /** The deleted client a `replaced` demo client stands in for. */
  readonly replacedClientId?: string;
}

async function writePrivate(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

/**
 * A kept demo client follows what this start serves: the scopes of its route table (e.g. another --routes
 * file) and the demo issuance rate (clients saved before issuance limits had none).
 */
async function align(
  registry: ClientRegistry,
  record: ClientRecord,
  scopes: readonly string[],
): Promise<ClientRecord> {
  const sameScopes = [...record.scopes].sort().join(' ') === [...scopes].sort().join(' ');
  if (sameScopes && record.issuanceRatePerSecond !== undefined) return record;
  return registry.update(record.clientId, {
    ...(sameScopes ? {} : { scopes: [...scopes] }),
    ...(record.issuanceRatePerSecond === undefined ? { issuanceRatePerSecond: DEMO_ISSUANCE_RATE } : {}),
  });
}

export async function ensureDemoClient(
  registry: ClientRegistry,
  stateDir: string | undefined,
  scopes: readonly string[],
): Promise<DemoClient> {
  const file = stateDir ? join(stateDir, DEMO_FILE) : undefined;
  let replacedClientId: string | undefined;
  if (file) {
    let saved: { clientId?: unknown; clientSecret?: unknown } | undefined;
    try {
      saved = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new DemoFileError(`cannot read ${file}: ${(err as Error).message}; delete it to start over`);
      }
    }
    if (saved && typeof saved.clientId === 'string' && typeof saved.clientSecret === 'string') {
      const found = await registry.get(saved.clientId, { consistent: true });
      if (found) {
        const record = await align(registry, found, scopes);
        const state: DemoClientState =
          record.status !== 'active'
            ? 'disabled'
            : checkClientSecret(saved.clientSecret, record, Date.now())
              ? 'kept'
              : 'secret_rotated';
        return {
          clientId: record.clientId,
          clientSecret: saved.clientSecret,
          scopes: record.scopes,
          created: false,
          state,
        };
      }
      replacedClientId = saved.clientId;
    }
  }
  const { record, clientSecret } = await registry.create({
    name: 'demo',
    scopes: [...scopes],
    issuanceRatePerSecond: DEMO_ISSUANCE_RATE,
  });
  if (file) {
    await writePrivate(
      file,
      `${JSON.stringify({ clientId: record.clientId, clientSecret, scopes: record.scopes, createdAt: record.createdAt }, null, 2)}\n`,
    );
  }
  return {
    clientId: record.clientId,
    clientSecret,
    scopes: record.scopes,
    created: true,
    state: replacedClientId ? 'replaced' : 'created',
    ...(replacedClientId ? { replacedClientId } : {}),
  };
}

/** The banner's demo client block: its credentials and, when an admin changed it, what that means. */
export function demoClientLines(demo: DemoClient, stateDir: string | undefined): string[] {
  const restart = stateDir
    ? `delete ${join(stateDir, DEMO_FILE)} and restart for a new demo client`
    : 'restart for a new demo client';
  const credentials = [`  client_id      ${demo.clientId}`, `  client_secret  ${demo.clientSecret}`];
  const title = `Demo client (${demo.scopes.join(' ')})`;
  switch (demo.state) {
    case 'created':
      return [`${title} - created now`, ...credentials];
    case 'kept':
      return [`${title} - kept from the state directory`, ...credentials];
    case 'replaced':
      return [
        `${title} - created now: the saved demo client ${demo.replacedClientId} was deleted from the table`,
        ...credentials,
      ];
    case 'disabled':
      return [
        `${title} - DISABLED (kept as you left it): its token requests get 401 invalid_client`,
        ...credentials,
        `  re-enable it: npm run clients -- enable ${demo.clientId}   (or ${restart})`,
      ];
    case 'secret_rotated':
      return [
        `${title} - its secret was rotated with the admin CLI; the saved secret no longer works`,
        `  client_id      ${demo.clientId}`,
        `  use the secret rotate-secret printed, or ${restart}`,
      ];
  }
}
