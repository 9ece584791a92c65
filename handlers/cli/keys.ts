// Signing-key CLI: `keygate keys status | rotate | adopt` (in a clone, `npm run keys -- ...`). Runs the same
// rotation steps as the scheduled Step Functions rotation (handlers/rotation.ts), against AWS (--stack <name>
// reads the table and key from the stack's outputs) or the local stack (AWS_REGION, AWS_ENDPOINT_URL_KMS /
// _DYNAMODB, CLIENTS_TABLE), and adopts keys rotated before keys named their roles
// (core/issuer/keys/signing-key-adoption.ts). Exit codes: handlers/cli/exit.ts.
import { setTimeout as delay } from 'node:timers/promises';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { Option } from 'commander';
import { ConfigError } from '../../core/config.js';
import { DEFAULT_CLIENTS_TABLE, DEFAULT_SIGNING_KEY_ALIAS } from '../../core/contract.js';
import {
  type AdoptionPlan,
  applyKeyAdoption,
  createDynamoClient,
  createKeyStateStore,
  createKmsClient,
  type DynamoApi,
  KeyRotationError,
  type KmsApi,
  planKeyAdoption,
  type RotationEvent,
  rotationWaits,
} from '../../core/issuer/index.js';
import { UsageError } from '../errors.js';
import {
  configuredKeyPrincipals,
  createDeps,
  keyPolicyConfig,
  type LambdaApi,
  loadConfig,
} from '../rotation.js';
import { type AdminIo, causeDetail, createAdminCli } from './admin-cli.js';
import { awsClientConfig } from './aws-env.js';
import { EXIT } from './exit.js';
import { integerArg } from './integer-arg.js';

/** The program's name in help and hints; `keygate keys` is what the package's bin runs. */
export const KEYS_CLI = 'keygate keys';

export interface KeysCliIo extends AdminIo {
  readonly dynamodb?: DynamoApi;
  readonly kms?: KmsApi;
  readonly lambda?: LambdaApi;
  /** Waits between steps (tests inject a virtual clock's). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

const DEFAULT_TABLE = DEFAULT_CLIENTS_TABLE;
const DEFAULT_ALIAS = DEFAULT_SIGNING_KEY_ALIAS;

const quiet = { info() {}, error() {} };

export async function runKeysCli(argv: readonly string[], io: KeysCliIo = {}): Promise<number> {
  const admin = createAdminCli(
    KEYS_CLI,
    'Rotate and inspect keygate signing keys (KMS) through the key state in the clients table',
    [
      `${KEYS_CLI} status --stack Orders --region eu-west-1`,
      `${KEYS_CLI} rotate --stack Orders --json`,
      `${KEYS_CLI} rotate --step --request-id 2026-12-rotation --stack Orders`,
      `${KEYS_CLI} adopt --apply --stack Orders`,
    ],
    io,
  );
  const { out } = admin;
  let opts: { table: string; alias: string; margin?: number } = {
    table: DEFAULT_TABLE,
    alias: DEFAULT_ALIAS,
  };
  let json = false;

  const clients = () => {
    const env = admin.env();
    const kms =
      io.kms ??
      createKmsClient({
        ...awsClientConfig(env, 'KMS'),
        // CreateKey generates an RSA key: slower than the request path's calls.
        requestTimeoutMs: 30_000,
      });
    const dynamodb =
      io.dynamodb ??
      createDynamoClient({ ...awsClientConfig(env, 'DYNAMODB'), maxAttempts: 3, requestTimeoutMs: 10_000 });
    return { kms, dynamodb };
  };

  const deps = async () => {
    const env = admin.env();
    const { kms, dynamodb } = clients();
    // The key in force before any rotation: SIGNING_KEY_ID, else the alias's key (as an ARN, since the
    // alias moves with the rotation while the retired key must stay named).
    let signingKeyId = env.SIGNING_KEY_ID;
    if (!signingKeyId) {
      const described = await kms.send(new DescribeKeyCommand({ KeyId: opts.alias })).catch((cause) => {
        throw new KeyRotationError('no_signing_key', `cannot resolve ${opts.alias}`, { cause });
      });
      signingKeyId = described.KeyMetadata?.Arn;
    }
    const config = loadConfig({
      ...env,
      CLIENTS_TABLE: opts.table,
      SIGNING_KEY_ID: signingKeyId,
      SIGNING_KEY_ALIAS: opts.alias,
      ...(opts.margin !== undefined ? { ROTATION_MARGIN_SECONDS: String(opts.margin) } : {}),
    });
    return createDeps(config, {
      kms,
      dynamodb,
      env,
      ...(io.lambda ? { lambda: io.lambda } : {}),
      ...(io.now ? { now: io.now } : {}),
      logger: quiet,
      onEvent: (event) => out(json ? `${JSON.stringify(event)}\n` : `${describe(event)}\n`),
    });
  };

  const program = admin.program
    .addOption(
      new Option(
        '--table <name>',
        `DynamoDB table holding the key state (default: the stack's, CLIENTS_TABLE or ${DEFAULT_TABLE})`,
      ),
    )
    .addOption(
      new Option(
        '--alias <alias>',
        `KMS alias that names the signing key (default: the stack's, SIGNING_KEY_ALIAS or ${DEFAULT_ALIAS})`,
      ),
    )
    .addOption(
      new Option(
        '--margin <seconds>',
        'added to every computed wait (ROTATION_MARGIN_SECONDS, default 60)',
      ).argParser(integerArg(0, 3600)),
    )
    .hook('preAction', (cmd) => {
      const given = cmd.opts<{ table?: string; alias?: string; margin?: number }>();
      const env = admin.env();
      json = admin.json();
      opts = {
        table: given.table || env.CLIENTS_TABLE || DEFAULT_TABLE,
        alias: given.alias || env.SIGNING_KEY_ALIAS || DEFAULT_ALIAS,
        ...(given.margin !== undefined ? { margin: given.margin } : {}),
      };
      if (!opts.alias.startsWith('alias/')) throw new UsageError('--alias must start with alias/');
    });

  program
    .command('status')
    .description('show the signing key, the published keys, a rotation in progress and the computed waits')
    .action(async () => {
      const d = await deps();
      const [{ state, keys }, settings] = await Promise.all([(await d.rotator()).status(), d.settings()]);
      const waits = rotationWaits(settings);
      const view = {
        signing_key_id: keys.signingKeyId,
        published_key_ids: keys.publishedKeyIds,
        source: state ? 'key state' : 'deployed configuration (no rotation yet)',
        ...(state?.rotation
          ? {
              rotation: {
                id: state.rotation.id,
                phase: state.rotation.phase,
                previous_key_id: state.rotation.previousKeyId,
                next_key_id: state.rotation.nextKeyId,
                next_step_at: new Date(state.rotation.notBefore).toISOString(),
              },
            }
          : {}),
        ...(state?.lastRotation
          ? {
              last_rotation: {
                id: state.lastRotation.id,
                key_id: state.lastRotation.keyId,
                completed_at: new Date(state.lastRotation.completedAt).toISOString(),
              },
            }
          : {}),
        waits_seconds: {
          create: waits.createSeconds,
          publish: waits.publishSeconds,
          retire: waits.retireSeconds,
          disable: waits.disableSeconds,
        },
      };
      if (json) {
        out(`${JSON.stringify(view)}\n`);
        return;
      }
      out(
        [
          `signing key:    ${view.signing_key_id}`,
          `published keys: ${view.published_key_ids.join(', ')}`,
          `source:         ${view.source}`,
          view.rotation
            ? `rotation:       ${view.rotation.id}, phase ${view.rotation.phase}, next step at ${view.rotation.next_step_at}`
            : 'rotation:       none in progress',
          ...(view.last_rotation
            ? [`last rotation:  ${view.last_rotation.id}, completed ${view.last_rotation.completed_at}`]
            : []),
          `waits:          create ${waits.createSeconds} s, publish ${waits.publishSeconds} s, retire ${waits.retireSeconds} s, disable ${waits.disableSeconds} s`,
          '',
        ].join('\n'),
      );
    });

  program
    .command('rotate')
    .description(
      'start a rotation (or resume the one in progress) and run it to the end, waiting out each cache',
    )
    .option('--step', 'apply at most one step and exit (run again to continue)', false)
    .option('--request-id <id>', 'idempotency key: a rotation with this id already done starts nothing')
    .action(async (o: { step: boolean; requestId?: string }) => {
      if (o.requestId !== undefined && !/^[\w.:-]{1,128}$/.test(o.requestId)) {
        throw new UsageError('--request-id must be 1-128 letters, digits, . : _ or -');
      }
      const rotator = await (await deps()).rotator();
      const request = { start: true, ...(o.requestId ? { requestId: o.requestId } : {}) };
      if (o.step) await rotator.step(request);
      else await rotator.run({ ...request, sleep: io.sleep ?? ((ms) => delay(ms)) });
    });

  program
    .command('adopt')
    .description(
      'show, then with --apply put, the key policy naming the keygate roles on every key in use that a rotation ' +
        'created before keys named their roles (run before deploying the version without tag grants)',
    )
    .option('--apply', 'put the policies (without it: a dry run that changes nothing)', false)
    .action(async (o: { apply: boolean }) => {
      // The roles: SIGNING_KEY_*_ARN(S) when set (checked as the rotation task checks them), else read back
      // from a key in use that names them.
      const config = keyPolicyConfig(admin.env());
      if (config.SIGNING_KEY_POLICY === 'default') {
        throw new UsageError(
          "SIGNING_KEY_POLICY=default: keys keep KMS's default policy, there is nothing to adopt",
        );
      }
      const principals = configuredKeyPrincipals(config);
      const { kms, dynamodb } = clients();
      const plan = await planKeyAdoption({
        kms,
        store: createKeyStateStore({ dynamodb, tableName: opts.table }),
        alias: opts.alias,
        ...(principals ? { principals } : {}),
      });
      if (o.apply) await applyKeyAdoption(kms, plan);
      out(json ? `${JSON.stringify(adoptionView(plan, o.apply))}\n` : describeAdoption(plan, o.apply));
    });

  return admin.run(argv, (e) => {
    if (e instanceof ConfigError) return { code: 'usage', message: e.problems.join('; '), exit: EXIT.usage };
    // The operator's own terminal: the SDK's message (e.g. ECONNREFUSED) is the useful part.
    return {
      code: e instanceof KeyRotationError ? e.code : 'internal',
      message: `${(e as Error)?.message ?? String(e)}${causeDetail((e as Error)?.cause)}`,
      exit: EXIT.failure,
    };
  });
}

function adoptionView(plan: AdoptionPlan, applied: boolean) {
  return {
    applied,
    keys: plan.keys.map((k) => ({ key_id: k.keyId, uses: k.uses, key_state: k.keyState, action: k.action })),
    ...(plan.principals
      ? {
          roles: {
            rotator: plan.principals.rotator,
            signers: plan.principals.signers,
            readers: plan.principals.readers,
            from: plan.principalsFrom,
          },
          policy: plan.policy,
        }
      : {}),
  };
}

const ACTION_TEXT = { put_policy: 'put policy', unchanged: 'unchanged', skipped: 'skipped' } as const;

function describeAdoption(plan: AdoptionPlan, applied: boolean): string {
  const todo = plan.keys.filter((k) => k.action === 'put_policy').length;
  const lines = plan.keys.map(
    (k) =>
      `${ACTION_TEXT[k.action].padEnd(11)}  ${k.keyId}  (${k.uses.join(', ')}; ${k.keyState})` +
      (k.action === 'skipped' ? '  not created by a rotation: its own policy and IAM grants apply' : ''),
  );
  if (plan.principals) {
    const p = plan.principals;
    lines.push(
      `roles named:  rotation ${p.rotator}; token ${p.signers.join(', ') || '(none)'}; JWKS ${p.readers.join(', ') || '(none)'}`,
      `              (from ${plan.principalsFrom === 'configuration' ? 'SIGNING_KEY_*_ARN(S)' : `the policy of ${plan.principalsFrom}`})`,
    );
  }
  const s = todo === 1 ? '' : 's';
  lines.push(
    todo === 0
      ? 'Nothing to change: every key a rotation created names the keygate roles.'
      : applied
        ? `Put the key policy on ${todo} key${s}.`
        : `Dry run, nothing changed: run again with --apply to put the key policy on ${todo} key${s}.`,
  );
  return `${lines.join('\n')}\n`;
}

function describe(e: RotationEvent): string {
  const parts = [`${e.at}  ${e.outcome.padEnd(16)}`];
  if (e.rotationId) parts.push(`rotation ${e.rotationId}`);
  if (e.outcome === 'key_created' && e.nextKeyId) parts.push(`new key ${e.nextKeyId}`);
  if (e.outcome === 'key_retired' && e.previousKeyId) parts.push(`retired ${e.previousKeyId}`);
  parts.push(`signing ${e.signingKeyId}`);
  if (e.waitSeconds) parts.push(`next step in ${e.waitSeconds} s`);
  return parts.join('  ');
}
