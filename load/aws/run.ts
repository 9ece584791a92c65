// `npm run load:aws -- <scenario> [k6 args...]`: runs load/k6/keygate.ts with k6 against the deployed stack
// (URLs from load/outputs.json, client from env CLIENT_ID / CLIENT_SECRET) and exports the k6 summary to
// load/results/<scenario>-aws.json. k6 itself is not an npm package: install it from https://k6.io.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from '../../handlers/cli/exit.js';
import { isScenarioName, SCENARIO_NAMES, SCENARIOS } from '../scenarios.js';

const loadDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const outputsFile = join(loadDir, 'outputs.json');
const script = join(loadDir, 'k6', 'keygate.ts');

function usage(code: number): never {
  const list = SCENARIO_NAMES.map((n) => `  ${n.padEnd(15)} ${SCENARIOS[n].description}`).join('\n');
  (code === 0 ? console.log : console.error)(
    `usage: npm run load:aws -- <scenario> [extra k6 run args]\n\nscenarios:\n${list}\n\n` +
      'env: CLIENT_ID, CLIENT_SECRET (required); API_URL, TOKEN_URL, JWKS_URL, STACK, DURATION, EXPIRED_TOKEN,\n' +
      '     K6_* (k6 options), K6_BIN (k6 executable, default "k6")',
  );
  process.exit(code);
}

const [name, ...extra] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h') usage(name ? EXIT.ok : EXIT.usage);
if (!isScenarioName(name)) {
  console.error(`unknown scenario "${name}"`);
  usage(EXIT.usage);
}

const k6 = process.env.K6_BIN ?? 'k6';
const probe = spawnSync(k6, ['version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  console.error(
    `k6 is not installed (could not run "${k6} version"). Install k6 >= 0.57 (it runs TypeScript directly):\n` +
      '  https://grafana.com/docs/k6/latest/set-up/install-k6/\n' +
      'or set K6_BIN to its path. To load the local stack without k6: npm run load:local -- ' +
      name,
  );
  process.exit(EXIT.failure);
}
if (!existsSync(outputsFile) && !(process.env.API_URL && process.env.TOKEN_URL)) {
  console.error(
    'load/outputs.json is missing: deploy first with `npm run deploy` (it writes the CDK outputs there),\n' +
      'or set API_URL and TOKEN_URL.',
  );
  process.exit(EXIT.failure);
}
if (!process.env.CLIENT_ID || !process.env.CLIENT_SECRET) {
  console.error(
    'set CLIENT_ID and CLIENT_SECRET to a client allowed products/read (npm run clients -- create ...)',
  );
  process.exit(EXIT.usage);
}

const resultsDir = join(loadDir, 'results');
mkdirSync(resultsDir, { recursive: true });
const summary = join(resultsDir, `${name}-aws.json`);
const args = ['run', '-e', `SCENARIO=${name}`, '--summary-export', summary, ...extra, script];
console.log(`k6 ${args.join(' ')}`);
// k6 reads __ENV from its own process env too (with --include-system-env-vars, the default for `k6 run`).
const child = spawn(k6, args, { stdio: 'inherit', env: process.env });
// npm execs this process, so a signal to the npm PID lands here: hand it to k6, which stops cleanly.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => {
  if (code === 0) console.log(`\nsummary written to ${summary}`);
  // k6 exits 99 when a threshold fails: a failed run, like any other non-zero exit.
  if (code === 99) console.error('k6: a threshold failed (exit 99)');
  process.exit(code === 0 ? EXIT.ok : EXIT.failure);
});
