// Lambda entry of the KeygateClient custom resource (CloudFormation events; the secret from Secrets Manager).
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readConfig } from '../../core/config.js';
import { createDynamoClient } from '../../core/issuer/index.js';
import { createHandler } from '../client-resource.js';
import { putCfnResponse } from '../lib/cfn-response.js';
import { createLogger, loggerConfigSpec } from '../lib/powertools.js';

const secrets = new SecretsManagerClient({ maxAttempts: 3 });

export const handler = createHandler({
  // Deploy-time writes, not latency-bound: SDK retries on, roomier timeouts.
  dynamodb: createDynamoClient({ maxAttempts: 3, requestTimeoutMs: 5000, connectionTimeoutMs: 2000 }),
  readSecret: async (secretArn) => {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (out.SecretString === undefined) throw new TypeError('the secret has no string value');
    return out.SecretString;
  },
  respond: putCfnResponse,
  logger: createLogger(readConfig(loggerConfigSpec('keygate-client-resource'), process.env)),
});
