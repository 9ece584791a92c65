// `npm start`'s banner for the products sample: URLs, the demo client, the admin CLI environment and the
// README's "Try it" curl walkthrough against /products.
import { demoClientLines } from '../../local/demo-client.js';
import { type LocalStack, SIGNING_KEY_ALIAS } from '../../local/stack.js';
import { type BannerInfo, sq, TOKEN_OF } from '../../local/start.js';
import { exportLine } from '../../local/upstream.js';

export function productsBanner(stack: LocalStack, info: BannerInfo): string {
  const { demoClient: demo } = stack;
  const basic = `-u ${sq(`${demo.clientId}:${demo.clientSecret}`)}`;
  const products = `${stack.apiUrl}/products`;
  const envLine = exportLine(stack.clientEnv);
  const rssMb = (process.memoryUsage().rss / 1024 / 1024).toFixed(0);
  return [
    '',
    `keygate local stack ready in ${info.readyMs.toFixed(0)} ms (${info.sinceProcessMs.toFixed(0)} ms since process start, RSS ${rssMb} MB)`,
    '',
    `  Auth API (issuer)    ${stack.authUrl}`,
    `    token              POST ${stack.tokenUrl}`,
    `    JWKS               ${stack.jwksUrl}`,
    `    discovery          ${stack.discoveryUrl}`,
    `    audiences          ${stack.audiences.join(' ')}   (the first is the resource API's)`,
    ...(stack.usageTiers.length > 0
      ? [`    usage tiers        ${stack.usageTiers.join(' ')}   (clients create|update --tier <name>)`]
      : []),
    `  Resource API         ${stack.apiUrl}   (${
      stack.authorizerMode === 'native'
        ? 'native JWT authorizer, keys cached up to 1 h'
        : `TOKEN authorizer, result cache ${info.cacheTtl} s`
    })`,
    `    routes             GET /products, GET /products/{id}: products/read; POST /products: products/write`,
    `  KMS emulator         ${stack.kmsEndpoint}   (signing key ${SIGNING_KEY_ALIAS})`,
    `  DynamoDB (dynalite)  ${stack.dynamodbEndpoint}   (table ${stack.tableName})`,
    `  State                ${stack.stateDir ?? 'in memory (--in-memory): nothing is kept'}`,
    `  Admin                DELETE ${stack.gateways.api.origin}/_keygate/authorizer-cache flushes the authorizer cache`,
    `                       GET ${stack.gateways.api.origin}/_keygate/health, GET .../_keygate/stats (per gateway)`,
    '',
    ...demoClientLines(demo, stack.stateDir),
    '',
    'Admin CLI against this stack (another terminal):',
    `  ${envLine}`,
    '  npx keygate clients --help   (in a clone: npm run clients -- --help)',
    '',
    'Try it (README.md, "Try it", explains each step):',
    '  # 1. a token (client_credentials, HTTP Basic client authentication)',
    `  TOKEN=$(curl -s ${basic} -d grant_type=client_credentials ${stack.tokenUrl} | ${TOKEN_OF})`,
    '  #    the same with client_secret_post:',
    `  curl -s -d grant_type=client_credentials -d client_id=${demo.clientId} -d client_secret=${sq(demo.clientSecret)} ${stack.tokenUrl}`,
    '  # 2. call the API with it: 200',
    `  curl -i -H "Authorization: Bearer $TOKEN" ${products}`,
    '  # 3. without a token: 401',
    `  curl -i ${products}`,
    '  # 4. with a tampered token (signature changed): 401',
    `  curl -i -H "Authorization: Bearer \${TOKEN%?????}AAAAA" ${products}`,
    '  # 5. a read-only token (scope=products/read) on POST /products: 403',
    `  RO=$(curl -s ${basic} -d grant_type=client_credentials -d scope=products/read ${stack.tokenUrl} | ${TOKEN_OF})`,
    `  curl -i -X POST -H "Authorization: Bearer $RO" -H 'Content-Type: application/json' -d '{"name":"tea","price":3}' ${products}`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}
