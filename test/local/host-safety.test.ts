// Which addresses the local stack listens on: a non-loopback --host needs --allow-remote and warns, and
// the KMS emulator, dynalite and the admin endpoints stay on loopback unless --expose-internals.
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHostFlags, isLoopbackAddress } from '../../local/host-safety.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { main } from '../../local/start.js';
import { send } from './gateway/http.js';

describe('checkHostFlags', () => {
  it.each(['127.0.0.1', 'localhost', '::1', '127.1.2.3'])('accepts loopback %s silently', (host) => {
    expect(checkHostFlags({ host })).toEqual({ ok: true, warnings: [] });
  });

  it.each(['0.0.0.0', '::', '192.0.2.10'])('refuses %s without --allow-remote', (host) => {
    expect(checkHostFlags({ host })).toEqual({
      ok: false,
      error: `--host ${host} is reachable from the network; pass --allow-remote to listen there anyway`,
    });
  });

  it('warns with --allow-remote and says the internals stay on loopback', () => {
    const check = checkHostFlags({ host: '0.0.0.0', allowRemote: true });
    expect(check.ok).toBe(true);
    expect(check.ok && check.warnings).toEqual([
      'warning: the auth and resource APIs listen on 0.0.0.0: anyone who reaches it can call them over plain HTTP',
      'the KMS emulator, dynalite and the admin endpoints stay on 127.0.0.1 (--expose-internals to change that)',
    ]);
  });

  it('warns about the KMS emulator, dynalite and admin endpoints with --expose-internals', () => {
    const check = checkHostFlags({ host: '0.0.0.0', allowRemote: true, exposeInternals: true });
    expect(check.ok && check.warnings[1]).toMatch(/^warning: --expose-internals: the KMS emulator/);
  });
});

describe('isLoopbackAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['::ffff:127.0.0.1', true],
    ['::1', true],
    ['192.0.2.2', false],
    ['::ffff:192.0.2.2', false],
    [undefined, false],
  ])('%s -> %s', (address, loopback) => {
    expect(isLoopbackAddress(address)).toBe(loopback);
  });
});

describe('npm start', () => {
  it('exits 2 for a non-loopback --host without --allow-remote, before starting anything', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (line: string) => errors.push(line);
    try {
      expect(await main(['node', 'start', '--in-memory', '--host', '0.0.0.0'])).toBe(2);
    } finally {
      console.error = original;
    }
    expect(errors).toEqual([
      'error: --host 0.0.0.0 is reachable from the network; pass --allow-remote to listen there anyway',
    ]);
  });
});

const external = Object.values(networkInterfaces())
  .flat()
  .find((i) => i?.family === 'IPv4' && !i.internal)?.address;

describe('a stack on 0.0.0.0', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({
      inMemory: true,
      host: '0.0.0.0',
      ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
    });
  });
  afterAll(() => stack?.close());

  it('keeps the KMS emulator and dynalite on 127.0.0.1', () => {
    expect(new URL(stack.kmsEndpoint).hostname).toBe('127.0.0.1');
    expect(new URL(stack.dynamodbEndpoint).hostname).toBe('127.0.0.1');
  });

  it('answers admin endpoints to loopback peers', async () => {
    const r = await send(`http://127.0.0.1:${stack.gateways.api.port}`, { path: '/_keygate/health' });
    expect(r.status).toBe(200);
  });

  it.skipIf(external === undefined)(
    'refuses admin endpoints to a non-loopback peer (403, as an unknown path)',
    async () => {
      const r = await send(`http://${external}:${stack.gateways.api.port}`, {
        method: 'DELETE',
        path: '/_keygate/authorizer-cache',
      });
      expect(r.status).toBe(403);
      expect(r.text).toBe('{"message":"Missing Authentication Token"}');
    },
  );
});
