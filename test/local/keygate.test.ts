// The `keygate` bin's dispatcher and every command's answer to bad input: exit 2 and one line on stderr
// (no usage dump, no stack trace), nothing on stdout, and no AWS call made.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runKeygate } from '../../local/keygate.js';

async function keygate(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runKeygate(args, {
    env: {},
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe('keygate', () => {
  it('--help lists the three commands and exits 0', async () => {
    const r = await keygate(['--help']);
    expect(r.code).toBe(0);
    expect([...r.stdout.matchAll(/^ {2}(\w+) \[args\.\.\.\]/gm)].map((m) => m[1])).toEqual([
      'clients',
      'keys',
      'start',
    ]);
    expect(r.stdout).toContain('keygate clients create --name billing --scopes orders/read --stack Orders');
  });

  it('--version prints the package version', async () => {
    expect(await keygate(['--version'])).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });

  it('no command: the help on stderr, exit 2', async () => {
    const r = await keygate([]);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(/^Usage: keygate \[options\] \[command\]/);
  });

  it.each([
    [['frobnicate'], "error: unknown command 'frobnicate'; see keygate --help"],
    [
      ['clients', 'create', '--name', 'x'],
      "error: required option '--scopes <scopes>' not specified; see keygate clients --help",
    ],
    [
      ['clients', 'create', '--name', 'x', '--scopes', 'a', '--lifetime', 'soon'],
      "error: option '--lifetime <seconds>' argument 'soon' is invalid. must be an integer from 60 to 86400; see keygate clients --help",
    ],
    [
      ['clients', 'list', 'extra'],
      "error: too many arguments for 'list'. Expected 0 arguments but got 1.; see keygate clients --help",
    ],
    [['clients', 'show'], "error: missing required argument 'clientId'; see keygate clients --help"],
    [
      ['clients', 'update', 'kg_x'],
      'error: update needs --name, --scopes, --lifetime, --rate, --resources, --default-resource, --claim, --clear-claims, --[no-]introspect or --tier',
    ],
    [['clients', 'disable'], "error: missing required argument 'clientId'; see keygate clients --help"],
    [['clients', 'enable'], "error: missing required argument 'clientId'; see keygate clients --help"],
    [['clients', 'revoke'], "error: missing required argument 'clientId'; see keygate clients --help"],
    [
      ['clients', 'rotate-secret', 'kg_x', '--grace', '-1'],
      "error: option '--grace <seconds>' argument '-1' is invalid. must be an integer 0 or more; see keygate clients --help",
    ],
    [['clients', 'delete', 'kg_x'], 'error: refusing to delete without --yes'],
    [
      ['clients', 'list', '--stack', 'no such stack'],
      'error: --stack "no such stack" is not a CloudFormation stack name',
    ],
    [
      ['clients', 'list', '--region', 'moon-1'],
      'error: --region "moon-1" is not an AWS region (e.g. eu-west-1)',
    ],
    [['keys', 'status', '--alias', 'signing'], 'error: --alias must start with alias/'],
    [
      ['keys', 'rotate', '--request-id', 'a b'],
      'error: --request-id must be 1-128 letters, digits, . : _ or -',
    ],
    [
      ['keys', 'rotate', '--margin', '99999'],
      "error: option '--margin <seconds>' argument '99999' is invalid. must be an integer from 0 to 3600; see keygate keys --help",
    ],
    [
      ['keys', 'adopt', 'now'],
      "error: too many arguments for 'adopt'. Expected 0 arguments but got 1.; see keygate keys --help",
    ],
    [['keys', 'frobnicate'], "error: unknown command 'frobnicate'; see keygate keys --help"],
  ])('keygate %j: exit 2 and one line', async (args, line) => {
    expect(await keygate(args)).toEqual({ code: 2, stdout: '', stderr: `${line}\n` });
  });

  it.each([
    [['clients', '--json', 'show'], "missing required argument 'clientId'"],
    [['keys', '--json', 'status', '--alias', 'x'], '--alias must start with alias/'],
  ])('keygate %j: the usage error is one JSON line', async (args, message) => {
    const r = await keygate(args);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(JSON.parse(r.stderr).error).toMatchObject({ code: 'usage', message });
  });
});

describe('keygate start, bad input (nothing starts)', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    [
      ['--auth-port', 'x'],
      "error: option '--auth-port <port>' argument 'x' is invalid. must be an integer from 0 to 65535; see keygate start --help",
    ],
    [['--bogus'], "error: unknown option '--bogus'; see keygate start --help"],
    [
      ['--authorizer', 'magic'],
      "error: option '--authorizer <mode>' argument 'magic' is invalid. Allowed choices are lambda, native.; see keygate start --help",
    ],
    [
      ['--cache-ttl', '4000'],
      "error: option '--cache-ttl <seconds>' argument '4000' is invalid. must be an integer from 0 to 3600; see keygate start --help",
    ],
    [['--routes', 'r.json'], 'error: --routes and --upstream go together'],
    [
      ['--routes', '/nonexistent/r.json', '--upstream', 'http://127.0.0.1:3000'],
      'error: --routes /nonexistent/r.json: cannot read (ENOENT)',
    ],
    [
      ['--routes', '/nonexistent/r.json', '--upstream', 'ftp://x'],
      'error: --upstream must use http or https (got "ftp:")',
    ],
    [
      ['--auth-port', '5999', '--api-port', '5999'],
      'error: --auth-port and --api-port are both 5999: each server needs its own port; see keygate start --help',
    ],
  ])('keygate start %j: exit 2 and one line', async (args, line) => {
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((t) => {
      stderr += String(t);
      return true;
    });
    // start.ts writes its own refusals with console.error; commander's go to process.stderr.
    vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => {
      stderr += `${parts.join(' ')}\n`;
    });
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const code = await runKeygate(['start', ...args]);
    expect([code, stderr, log.mock.calls]).toEqual([2, `${line}\n`, []]);
  });
});
