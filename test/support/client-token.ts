// A client holding `scopes`, created in a local stack's registry, and an access token for it from the
// stack's token endpoint (client_credentials, client_secret_post).
import type { LocalStack } from '../../local/stack.js';

export async function clientToken(
  stack: LocalStack,
  scopes: string[],
  name = scopes.join('+'),
): Promise<string> {
  const { record, clientSecret } = await stack.registry.create({ name, scopes });
  const res = await fetch(stack.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: record.clientId,
      client_secret: clientSecret,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}
