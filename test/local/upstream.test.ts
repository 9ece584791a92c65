// `npm start -- --routes <file> --upstream <url>`: a bad route file or URL is a one-line error naming the
// file and field, and `npm start` exits 2 before starting anything.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { UpstreamFlagError } from '../../local/errors.js';
import { main } from '../../local/start.js';
import { checkUpstreamUrl, readRouteFile } from '../../local/upstream.js';

const dir = mkdtempSync(join(tmpdir(), 'keygate-routes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('route file', () => {
  it('reads a valid table', () => {
    const path = file('ok.json', '[{"method":"get","path":"/orders/{id}","scopes":["orders/read"]}]');
    expect(readRouteFile(path)).toEqual([{ method: 'GET', path: '/orders/{id}', scopes: ['orders/read'] }]);
  });

  it.each([
    ['absent.json', null, /--routes .*absent\.json: cannot read \(ENOENT\)/],
    ['broken.json', '[{', /--routes .*broken\.json: not JSON/],
    ['object.json', '{}', /routes must be an array of \{ method, path, scopes \}/],
    [
      'method.json',
      '[{"method":"FETCH","path":"/a","scopes":["s"]}]',
      /routes\[0\]\.method must be one of GET/,
    ],
    ['path.json', '[{"method":"GET","path":"a","scopes":["s"]}]', /routes\[0\]\.path must start with "\/"/],
    [
      'greedy.json',
      '[{"method":"GET","path":"/{p+}/x","scopes":["s"]}]',
      /routes\[0\]\.path may have a greedy/,
    ],
    [
      'scopes.json',
      '[{"method":"GET","path":"/a","scopes":[]}]',
      /routes\[0\]\.scopes must be a non-empty array/,
    ],
    [
      'scope.json',
      '[{"method":"GET","path":"/a","scopes":["a b"]}]',
      /routes\[0\]\.scopes\[0\] must be a scope token/,
    ],
    // A literal `*` would become an IAM wildcard in the authorizer's Resource ARNs.
    [
      'star.json',
      '[{"method":"GET","path":"/a*","scopes":["s"]}]',
      /routes\[0\]\.path has an invalid segment "a\*"/,
    ],
    ['semicolon.json', '[{"method":"GET","path":"/a;b","scopes":["s"]}]', /invalid segment "a;b"/],
    [
      'dup.json',
      '[{"method":"GET","path":"/a/{x}","scopes":["s"]},{"method":"GET","path":"/a/{y}","scopes":["s"]}]',
      /routes\[1\] duplicates GET \/a\/\{y\}/,
    ],
  ])('rejects %s with a message naming the field', (name, text, message) => {
    const path = text === null ? join(dir, name) : file(name, text);
    expect(() => readRouteFile(path)).toThrow(UpstreamFlagError);
    expect(() => readRouteFile(path)).toThrow(message);
  });
});

describe('upstream URL', () => {
  it.each([
    ['http://127.0.0.1:3000/', 'http://127.0.0.1:3000'],
    ['https://dev.example.com/api', 'https://dev.example.com/api'],
  ])('accepts %s', (raw, url) => {
    expect(checkUpstreamUrl(raw)).toBe(url);
  });

  it.each([
    ['localhost:3000', /must use http or https/],
    ['nonsense', /must be an absolute http\(s\) URL/],
    ['http://127.0.0.1:3000/?a=1', /must not carry a query/],
  ])('rejects %s', (raw, message) => {
    expect(() => checkUpstreamUrl(raw)).toThrow(message);
  });
});

describe('npm start with --routes / --upstream', () => {
  it.each([
    [['--routes', 'r.json'], 'error: --routes and --upstream go together'],
    [
      ['--upstream', 'http://127.0.0.1:3000', '--routes', join(dir, 'none.json')],
      /error: --routes .*none\.json/,
    ],
    [
      ['--upstream', 'ftp://x', '--routes', join(dir, 'ok.json')],
      'error: --upstream must use http or https (got "ftp:")',
    ],
  ])('exits 2 with one line for %j', async (args, line) => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await main(['node', 'start', '--in-memory', ...args])).toBe(2);
      expect(errors).toHaveBeenCalledTimes(1);
      expect(errors.mock.calls[0]![0]).toMatch(line);
    } finally {
      errors.mockRestore();
    }
  });
});
