// A Lambda function that calls a keygate-protected API (docs/clients.md): the token source lives at module
// scope, so warm invocations reuse its token; it makes no request until the first call.
import { createTokenSource } from 'keygate/client';

const api = createTokenSource({
  issuer: process.env.KEYGATE_ISSUER ?? '',
  clientId: process.env.KEYGATE_CLIENT_ID ?? '',
  clientSecret: process.env.KEYGATE_CLIENT_SECRET ?? '',
  scope: 'products/read',
});

export async function handler(): Promise<unknown> {
  const res = await api.fetch(`${process.env.PRODUCTS_API_URL}/products`);
  if (!res.ok) throw new Error(`products API answered ${res.status}`);
  return res.json();
}
