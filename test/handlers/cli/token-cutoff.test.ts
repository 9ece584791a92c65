// What revoke/disable do after the registry write, without a gateway: where the flush goes, how long
// the wait is, and what is said when there is nothing to flush.
import { describe, expect, it } from 'vitest';
import { cutOffTokens, flushTargetsFromEnv, waitSeconds } from '../../../handlers/cli/token-cutoff.js';

describe('token cutoff', () => {
  it.each<[Record<string, string>, { restApiId: string; stage: string }[]]>([
    [
      { KEYGATE_REST_API_ID: 'abc123defg', KEYGATE_API_STAGE: 'prod' },
      [{ restApiId: 'abc123defg', stage: 'prod' }],
    ],
    [{ KEYGATE_REST_API_ID: 'abc123defg' }, []],
    [{ KEYGATE_API_STAGE: 'prod' }, []],
    [{ KEYGATE_REST_API_ID: ' ', KEYGATE_API_STAGE: 'prod' }, []],
    [
      { KEYGATE_AUTHORIZER_CACHES: 'aaa111/prod bbb222/v1' },
      [
        { restApiId: 'aaa111', stage: 'prod' },
        { restApiId: 'bbb222', stage: 'v1' },
      ],
    ],
    [
      { KEYGATE_AUTHORIZER_CACHES: 'aaa111/prod', KEYGATE_REST_API_ID: 'aaa111', KEYGATE_API_STAGE: 'prod' },
      [{ restApiId: 'aaa111', stage: 'prod' }],
    ],
  ])('flush targets from %o', (env, targets) => {
    expect(flushTargetsFromEnv(env)).toEqual(targets);
  });

  it.each([
    [{}, 21],
    [{ KEYGATE_REVOCATION_WAIT_SECONDS: '4' }, 4],
    [{ KEYGATE_REVOCATION_WAIT_SECONDS: 'soon' }, 21],
  ])('waits %o -> %i s', (env, seconds) => {
    expect(waitSeconds(env)).toBe(seconds);
  });

  it('waits, then sends FlushStageAuthorizersCache for the configured API and stage', async () => {
    const sent: unknown[] = [];
    const slept: number[] = [];
    let out = '';
    await cutOffTokens(
      {
        env: {
          KEYGATE_REST_API_ID: 'abc123defg',
          KEYGATE_API_STAGE: 'prod',
          KEYGATE_REVOCATION_WAIT_SECONDS: '3',
        },
        out: (t) => {
          out += t;
        },
        sleep: async (ms) => {
          slept.push(ms);
        },
        apiGateway: {
          send: (async (command: { input: unknown }) => {
            sent.push(command.input);
            return {};
          }) as never,
        },
      },
      { wait: true },
    );
    expect(slept).toEqual([3000]);
    expect(sent).toEqual([{ restApiId: 'abc123defg', stageName: 'prod' }]);
    expect(out).toBe(
      "Waiting 3 s for every authorizer to load the revocation list...\nFlushed the authorizer cache of abc123defg/prod: keygate's authorizer now refuses these tokens at every route.\n",
    );
  });

  it('with the native JWT authorizer says revocation does not reach it, and neither waits nor flushes', async () => {
    const slept: number[] = [];
    let out = '';
    await cutOffTokens(
      {
        env: { KEYGATE_AUTHORIZER: 'native', KEYGATE_REST_API_ID: 'abc123defg', KEYGATE_API_STAGE: 'prod' },
        out: (t) => {
          out += t;
        },
        sleep: async (ms) => {
          slept.push(ms);
        },
        apiGateway: {
          send: (async () => {
            throw new Error('no flush expected');
          }) as never,
        },
      },
      { wait: true },
    );
    expect(slept).toEqual([]);
    expect(out).toBe(
      "note: KEYGATE_AUTHORIZER=native: API Gateway's JWT authorizer cannot revoke, so these tokens keep working until they expire; keygate's own authorizer refuses them within 30 s.\n",
    );
  });
});
