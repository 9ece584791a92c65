import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { productsBanner } from '../../examples/products/banner.js';
import { StateDirInUseError } from '../../local/errors.js';
import { LOCK_FILE } from '../../local/lock.js';
import { TOKEN_OF } from '../../local/start.js';
import { portClash, startFailure } from '../../local/start-errors.js';
import { exportLine } from '../../local/upstream.js';
import { portIsFree, processExists, spawnNpm } from '../support/npm-process.js';
import { startLocalStack } from '../support/products-stack.js';

const URL_PORTS =
  /Auth API \(issuer\)\s+http:\/\/127\.0\.0\.1:(\d+)[\s\S]*Resource API\s+http:\/\/127\.0\.0\.1:(\d+)[\s\S]*KMS emulator\s+http:\/\/127\.0\.0\.1:(\d+)[\s\S]*DynamoDB \(dynalite\)\s+http:\/\/127\.0\.0\.1:(\d+)/;
const FREE_PORTS = ['--auth-port', '0', '--api-port', '0', '--kms-port', '0', '--dynamodb-port', '0'];

describe('npm start as a process', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'keygate-start-test-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s to the npm PID stops the stack: exit 0, no process left, ports free, lock released',
    async (signal) => {
      const npm = spawnNpm('start', ['--state-dir', stateDir, '--quiet', ...FREE_PORTS]);
      const match = await npm.waitFor(URL_PORTS);
      const ports = match.slice(1, 5).map(Number);
      const pid = Number(await readFile(join(stateDir, LOCK_FILE), 'utf8'));
      // `exec` in the npm script: the node process is npm's direct child, not a grandchild under sh.
      expect(processExists(pid)).toBe(true);

      npm.child.kill(signal);
      const exit = await npm.exited();

      expect(exit).toEqual({ code: 0, signal: null });
      expect(npm.stdout()).toContain('stopped.');
      expect(processExists(pid)).toBe(false);
      await expect(stat(join(stateDir, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
      for (const port of ports) expect(await portIsFree(port)).toBe(true);
    },
    60_000,
  );

  it('a second npm start on the same state directory says who holds it, exit 1, no stack trace', async () => {
    const first = await startLocalStack({ stateDir, ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 } });
    try {
      const second = spawnNpm('start', ['--state-dir', stateDir, ...FREE_PORTS]);
      const exit = await second.exited();
      expect(exit.code).toBe(1);
      expect(second.stderr().trim()).toBe(
        `error: state directory ${stateDir} is in use by PID ${process.pid}; stop it, or pass --state-dir <another dir> or --in-memory`,
      );
    } finally {
      await first.close();
    }
  }, 60_000);

  it('the same port for two servers is a usage error naming both flags in one line, exit 2', async () => {
    const npm = spawnNpm('start', ['--in-memory', '--auth-port', '5220', '--api-port', '5220']);
    const exit = await npm.exited();
    expect(exit.code).toBe(2);
    expect(npm.stderr()).toBe(
      'error: --auth-port and --api-port are both 5220: each server needs its own port; see npm start --help\n',
    );
  }, 60_000);
});

describe('npm start --tier', () => {
  it.each([
    [
      ['gold=rate:5'],
      "error: option '--tier <name=rate:N,burst:N[,quota:N/DAY|WEEK|MONTH]>' argument 'gold=rate:5' is invalid. tier gold: rate and burst are required; see npm start --help",
    ],
    [
      ['gold=rate:5,burst:5', '--tier', 'gold=rate:1,burst:1'],
      "error: option '--tier <name=rate:N,burst:N[,quota:N/DAY|WEEK|MONTH]>' argument 'gold=rate:1,burst:1' is invalid. tier gold is given twice; see npm start --help",
    ],
  ])(
    '%j is a usage error, exit 2, one line first',
    async (args, line) => {
      const npm = spawnNpm('start', ['--in-memory', '--tier', ...args]);
      const exit = await npm.exited();
      expect(exit.code).toBe(2);
      expect(npm.stderr().split('\n')[0]).toBe(line);
    },
    60_000,
  );
});

describe('state directory lock', () => {
  it('a second stack in the same state directory is refused, and the lock is free again after close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keygate-lock-test-'));
    const free = { auth: 0, api: 0, kms: 0, dynamodb: 0 };
    try {
      const first = await startLocalStack({ stateDir: dir, ports: free });
      await expect(startLocalStack({ stateDir: dir, ports: free })).rejects.toEqual(
        new StateDirInUseError(dir, process.pid),
      );
      await first.close();
      const again = await startLocalStack({ stateDir: dir, ports: free });
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('startFailure', () => {
  it.each([
    [{ auth: 4000, api: 4001, kms: 4002, dynamodb: 4003 }, undefined],
    [{ auth: 0, api: 0, kms: 0, dynamodb: 0 }, undefined],
    [
      { auth: 5220, api: 5220, kms: 4002, dynamodb: 4003 },
      '--auth-port and --api-port are both 5220: each server needs its own port',
    ],
    [
      { auth: 4000, api: 4001, kms: 4003, dynamodb: 4003 },
      '--kms-port and --dynamodb-port are both 4003: each server needs its own port',
    ],
  ])('portClash(%o) = %s', (ports, expected) => {
    expect(portClash(ports)).toBe(expected);
  });

  it('names the state directory and its PID, exit 1', () => {
    expect(startFailure(new StateDirInUseError('/s', 42), '127.0.0.1')).toEqual({
      message:
        'error: state directory /s is in use by PID 42; stop it, or pass --state-dir <another dir> or --in-memory',
      exitCode: 1,
    });
  });
});

describe('the banner', () => {
  it('with --host 0.0.0.0 every URL names 127.0.0.1 (where the wildcard is reachable)', async () => {
    const stack = await startLocalStack({
      inMemory: true,
      host: '0.0.0.0',
      ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
    });
    try {
      const text = productsBanner(stack, { readyMs: 1, sinceProcessMs: 2, cacheTtl: 300 });
      const hosts = new Set([...text.matchAll(/http:\/\/([^:/]+):\d+/g)].map((m) => m[1]));
      expect([...hosts]).toEqual(['127.0.0.1']);
      expect(text).toContain(
        `GET ${stack.gateways.api.origin}/_keygate/health, GET .../_keygate/stats (per gateway)`,
      );
      expect(text).toContain('Try it (README.md, "Try it", explains each step):');
      expect(text).toContain('AWS_ENDPOINT_URL_KMS=');
    } finally {
      await stack.close();
    }
  });

  it('prints an export line that sh takes whole, a scope list with spaces included', () => {
    const env = { CLIENTS_TABLE: 'keygate-clients', KEYGATE_SCOPES: "orders/read orders/write it's" };
    const r = spawnSync(
      'sh',
      ['-c', `${exportLine(env)}; printf '%s|%s' "$CLIENTS_TABLE" "$KEYGATE_SCOPES"`],
      {
        encoding: 'utf8',
      },
    );
    expect({ code: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 0,
      stdout: "keygate-clients|orders/read orders/write it's",
      stderr: '',
    });
  });

  it.each([
    ['orders', 'not an absolute URI'],
    ['https://billing.example.test#x', 'a URI with a fragment'],
  ])('an --audiences value %j is a usage error before anything starts, exit 2', async (audience, problem) => {
    const err = await startLocalStack({
      inMemory: true,
      ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
      audiences: [audience],
    }).catch((e: unknown) => e);
    expect(startFailure(err, '127.0.0.1')).toEqual({
      message: `error: audience ${JSON.stringify(audience)} is ${problem}`,
      exitCode: 2,
    });
  });

  it.each([
    ['{"access_token":"abc","token_type":"Bearer"}', { code: 0, stdout: 'abc\n', stderr: '' }],
    [
      '{"error":"invalid_client"}',
      { code: 1, stdout: '', stderr: 'no access_token: {"error":"invalid_client"}\n' },
    ],
    ['', { code: 1, stdout: '', stderr: 'no access_token: undefined\n' }],
  ])('the token one-liner given %j fails loudly instead of printing undefined', (input, expected) => {
    const r = spawnSync('sh', ['-c', TOKEN_OF], { input, encoding: 'utf8' });
    expect({ code: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual(expected);
  });
});
