// The HTTP Basic client authentication header of RFC 6749 §2.3.1: the client id and secret are each
// form-urlencoded (application/x-www-form-urlencoded) before they are joined with ':' and Base64-encoded.
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);

export function basicAuth(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;
}
