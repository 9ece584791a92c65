// The admin CLI (`npm run clients`) run in-process against a stack's environment, its output captured, and a
// client created through it (the way an operator creates one).
import { expect } from 'vitest';
import { runCli } from '../../handlers/cli/clients.js';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function clientsCli(env: Readonly<Record<string, string>>, args: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    env,
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
  });
  return { code, out, err };
}

/** `clients --json create ...args`: the new client's credentials and its public view (exit 0 or the test fails). */
export async function createClientWithCli(
  env: Readonly<Record<string, string>>,
  args: string[],
): Promise<{ id: string; secret: string; view: Record<string, unknown> }> {
  const r = await clientsCli(env, ['--json', 'create', ...args]);
  expect(r.code, r.err).toBe(0);
  const parsed = JSON.parse(r.out) as { client: { client_id: string }; client_secret: string };
  return { id: parsed.client.client_id, secret: parsed.client_secret, view: parsed.client };
}
