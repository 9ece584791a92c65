// The README as a newcomer uses it: its "Try it" block, pasted as it stands into bash next to a running
// stack, gives the statuses it promises; a wrong secret fails loudly; every `npm start` flag is documented.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../local/start.js';
import { REPO_ROOT } from './support/npm-process.js';
import { type LocalStack, startLocalStack } from './support/products-stack.js';

const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');

/** The first ```sh block after a heading. */
function shBlock(heading: string): string {
  const section = readme.slice(readme.indexOf(`\n## ${heading}\n`));
  const match = section.match(/```sh\n([\s\S]*?)```/);
  if (!match) throw new Error(`no sh block under "## ${heading}"`);
  return match[1]!;
}

describe('README "Try it"', () => {
  let cwd: string;
  let stack: LocalStack;
  beforeAll(async () => {
    // The block reads ./.keygate/demo-client.json: run it where the stack keeps its state.
    cwd = await mkdtemp(join(tmpdir(), 'keygate-readme-'));
    stack = await startLocalStack({
      stateDir: join(cwd, '.keygate'),
      ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await rm(cwd, { recursive: true, force: true });
  });

  /**
   * Runs the block with the default ports swapped for this stack's, plus `extra` after it. Asynchronously:
   * the stack serves from this process, so a blocking spawn would deadlock.
   */
  function run(extra = ''): Promise<{ stdout: string; stderr: string }> {
    const script = shBlock('Try it')
      .replaceAll('http://127.0.0.1:4000', stack.gateways.auth.origin)
      .replaceAll('http://127.0.0.1:4001', stack.gateways.api.origin);
    return new Promise((resolve) => {
      execFile('bash', ['-c', `${script}\n${extra}`], { cwd }, (_err, stdout, stderr) =>
        resolve({ stdout, stderr }),
      );
    });
  }

  it('pasted as it stands: 200 with a token, 401 without, 401 tampered, 403 read-only on POST', async () => {
    const r = await run();
    // (stderr holds curl's progress meter, which a terminal does not show for -i.)
    expect(r.stderr).not.toContain('no access_token');
    expect([...r.stdout.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]))).toEqual([
      200, 401, 401, 403,
    ]);
  });

  it('with a wrong secret the token helper says what came back and TOKEN stays empty', async () => {
    const r = await run('SECRET=wrong; TOKEN=$(token); echo "status=$? TOKEN=[$TOKEN]"');
    expect(r.stdout).toContain('status=1 TOKEN=[]');
    expect(r.stderr).toContain('no access_token: {"error":"invalid_client"');
  });
});

describe('README flags', () => {
  it.each(buildProgram().options.map((o) => o.long!))('documents npm start %s', (flag) => {
    expect(readme).toContain(flag);
  });
});
