// Child process of the local load runner: runs one local stack (so the server gets its own core and
// event loop, apart from autocannon), prints its URLs on one marked stdout line, and takes line
// commands on stdin: `flush` (authorizer result cache), `rotate` (new signing key), `client <rate> [tier]`
// (a new client with that issuance rate and usage tier), `kms` / `kms-reset` (the KMS quota counters), `close`.
import { createInterface } from 'node:readline';
import { startLocalStack } from '../../local/stack.js';
import { STACK_MARK, type StackInfo, type StackProcessOptions } from './stack.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const options = JSON.parse(process.argv[2] ?? '{}') as StackProcessOptions;
const stack = await startLocalStack({
  inMemory: true,
  // Free ports: a developer's `npm start` (fixed ports) and a second stack (cache on/off) can coexist.
  ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
  ...(options.resultsCacheTtlSeconds === undefined
    ? {}
    : { resultsCacheTtlSeconds: options.resultsCacheTtlSeconds }),
  ...(options.authorizer ? { authorizer: options.authorizer } : {}),
  ...(options.kmsRsaQuotaPerSecond ? { kmsRsaQuotaPerSecond: options.kmsRsaQuotaPerSecond } : {}),
  ...(options.env ? { env: options.env } : {}),
  ...(options.usageTiers ? { usageTiers: options.usageTiers } : {}),
});
const info: StackInfo = {
  apiUrl: stack.apiUrl,
  authUrl: stack.authUrl,
  tokenUrl: stack.tokenUrl,
  jwksUrl: stack.jwksUrl,
  issuer: stack.issuer,
  clientId: stack.demoClient.clientId,
  clientSecret: stack.demoClient.clientSecret,
  canRotate: true,
  kmsRsaQuotaPerSecond: stack.kms.quota.stats().perSecond,
};
process.stdout.write(`${STACK_MARK}${JSON.stringify(info)}\n`);

const reply = (id: string, ok: boolean, message = '') =>
  process.stdout.write(`${STACK_MARK}${JSON.stringify({ reply: id, ok, message })}\n`);

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await stack.close();
  process.exit(0);
};
createInterface({ input: process.stdin }).on('line', (line) => {
  const [id = '', command, arg, tier] = line.trim().split(' ');
  const run = async () => {
    switch (command) {
      case 'flush':
        stack.gateways.api.flushAuthorizerCache();
        return reply(id, true);
      case 'rotate':
        await stack.rotateSigningKey();
        return reply(id, true);
      case 'client': {
        const { record, clientSecret } = await stack.registry.create({
          name: 'load',
          scopes: ['products/read'],
          issuanceRatePerSecond: Number(arg),
          ...(tier ? { tier } : {}),
        });
        return reply(id, true, JSON.stringify({ clientId: record.clientId, clientSecret }));
      }
      case 'kms':
        return reply(id, true, JSON.stringify(stack.kms.quota.stats()));
      case 'kms-reset': {
        const stats = stack.kms.quota.stats();
        stack.kms.quota.reset();
        return reply(id, true, JSON.stringify(stats));
      }
      case 'close':
        reply(id, true);
        return shutdown();
      default:
        return reply(id, false, `unknown command ${command}`);
    }
  };
  run().catch((error: unknown) => reply(id, false, (error as Error).message));
});
// The parent going away (Ctrl-C, crash) must not leave a stack running.
process.stdin.on('end', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
