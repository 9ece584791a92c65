// Host and URL rules shared by configuration, the JWKS key store and discovery: https everywhere, plain
// http only to a loopback host (the local stack and tests), and IPv6 literals bracketed in URLs (RFC 3986 §3.2.2).

/** True for `localhost`, IPv6 `::1` (bracketed or not) and any 127.0.0.0/8 address. */
export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    hostname === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(hostname)
  );
}

/** True when `url` is https, or http to a loopback host. */
export function isHttpsOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/** A listen address as a URL host: wildcard addresses become loopback, IPv6 literals get brackets. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
