// `--stack <name>`: the admin CLIs' environment from a CloudFormation stack's outputs, read with the real
// @aws-sdk/client-cloudformation from a test CloudFormation endpoint on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STACK_OUTPUTS } from '../../../core/stack-outputs.js';
import { findOutputKey, StackOutputsError, stackOutputEnv } from '../../../handlers/cli/stack-target.js';
import { UsageError } from '../../../handlers/errors.js';
import { startTestCloudFormation, type TestCloudFormation } from '../../support/cloudformation-server.js';
import { testServers } from '../../support/test-servers.js';

const servers = testServers();
let cfn: TestCloudFormation;
let env: Record<string, string>;

beforeAll(async () => {
  cfn = await startTestCloudFormation(servers, {
    Orders: {
      [STACK_OUTPUTS.clientsTable]: 'orders-clients',
      [STACK_OUTPUTS.authorizerCaches]: 'a1b2c3d4e5/prod',
      [STACK_OUTPUTS.region]: 'eu-west-1',
      Unrelated: 'ignored',
    },
    // Outputs made inside constructs: their logical ids carry the construct path and a hash.
    Nested: {
      IssuerKeygateClientsTable1A2B3C4D: 'nested-clients',
      IssuerKeygateSigningKeyAliasF00DBA12: 'alias/orders',
    },
    Twice: { AKeygateClientsTable11111111: 'a', BKeygateClientsTable22222222: 'b' },
  });
  env = {
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_CLOUDFORMATION: cfn.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local-secret',
  };
});
afterAll(() => servers.closeAll());

describe('stackOutputEnv', () => {
  it("maps the stack's outputs onto the CLIs' environment names and ignores the rest", async () => {
    expect(await stackOutputEnv('Orders', env)).toEqual({
      CLIENTS_TABLE: 'orders-clients',
      KEYGATE_AUTHORIZER_CACHES: 'a1b2c3d4e5/prod',
      AWS_REGION: 'eu-west-1',
    });
  });

  it('finds outputs made inside a construct (path + name + hash logical ids)', async () => {
    expect(await stackOutputEnv('Nested', env)).toEqual({
      CLIENTS_TABLE: 'nested-clients',
      SIGNING_KEY_ALIAS: 'alias/orders',
    });
  });

  it('a stack that does not exist is stack_not_found', async () => {
    await expect(stackOutputEnv('Missing', env)).rejects.toMatchObject({
      name: 'StackOutputsError',
      code: 'stack_not_found',
      message: 'no stack "Missing"',
    });
  });

  it('two outputs of one name (two issuers in a stack) are ambiguous, naming both', async () => {
    await expect(stackOutputEnv('Twice', env)).rejects.toEqual(
      new StackOutputsError(
        'ambiguous_output',
        'the stack has 2 outputs named KeygateClientsTable (AKeygateClientsTable11111111, BKeygateClientsTable22222222)',
      ),
    );
  });

  it('an unreachable CloudFormation endpoint is stack_unreadable', async () => {
    const closed = 'http://127.0.0.1:9';
    await expect(
      stackOutputEnv('Orders', { ...env, AWS_ENDPOINT_URL_CLOUDFORMATION: closed }),
    ).rejects.toMatchObject({ code: 'stack_unreadable' });
  });

  it.each(['', 'has space', '1starts-with-digit', 'x'.repeat(129), 'Orders;rm'])(
    'refuses the stack name %j before any call',
    async (name) => {
      const before = cfn.asked.length;
      await expect(stackOutputEnv(name, env)).rejects.toBeInstanceOf(UsageError);
      expect(cfn.asked.length).toBe(before);
    },
  );
});

describe('findOutputKey', () => {
  it.each([
    [['KeygateClientsTable'], 'KeygateClientsTable'],
    [['IssuerKeygateClientsTableABCDEF12'], 'IssuerKeygateClientsTableABCDEF12'],
    // Not the same output: another name that ends alike, or a hash of the wrong shape.
    [['OtherKeygateClientsTables'], undefined],
    [['IssuerKeygateClientsTableabcdef12'], undefined],
  ])('%j -> %s', (keys, found) => {
    expect(findOutputKey(keys, 'KeygateClientsTable')).toBe(found);
  });
});
