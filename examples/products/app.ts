// The CDK app: `npm run synth` / `npm run deploy`. Environment-agnostic (no account lookups), so synth runs
// offline; deploy goes to the account and region of the caller's AWS credentials. Options come from CDK
// context (`-c name=value` or cdk.json); cdk-nag's AWS Solutions checks run on every synth and fail it on
// any unacknowledged finding. Run directly (`tsx --conditions=keygate-source examples/products/app.ts`) it
// writes ./cdk.out without the CLI.
import { relative } from 'node:path';
import { App, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { KeygateStack } from './stack.js';
import { synthSummary } from './synth-summary.js';

// Under the CLI, CDK_OUTDIR and the context are set by it; standalone, write where the CLI would and take
// `-c name=value` / `--context name=value` from the command line.
function argvContext(argv: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '-c' && argv[i] !== '--context') continue;
    const pair = argv[++i] ?? '';
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`expected -c name=value (got "${pair}")`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return context;
}
const app = new App(
  process.env.CDK_OUTDIR ? {} : { outdir: 'cdk.out', context: argvContext(process.argv.slice(2)) },
);

function ctx(name: string): string | undefined {
  const value: unknown = app.node.tryGetContext(name);
  return value === undefined || value === null || value === '' ? undefined : String(value);
}
function ctxBool(name: string): boolean | undefined {
  const v = ctx(name)?.toLowerCase();
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  throw new Error(`context ${name} must be true or false (got "${v}")`);
}
function ctxInt(name: string): number | undefined {
  const v = ctx(name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new Error(`context ${name} must be a non-negative integer (got "${v}")`);
  return Number(v);
}

const retain = ctxBool('retainData');
const removalPolicy = retain === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
const cacheTtl = ctxInt('resultsCacheTtlSeconds');
const logLevel = ctx('logLevel')?.toUpperCase();
if (logLevel !== undefined && !['DEBUG', 'INFO', 'WARN', 'ERROR'].includes(logLevel)) {
  throw new Error(`context logLevel must be DEBUG, INFO, WARN or ERROR (got "${logLevel}")`);
}

const authorizer = ctx('authorizer') ?? 'lambda';
if (authorizer !== 'lambda' && authorizer !== 'native') {
  throw new Error(`context authorizer must be lambda or native (got "${authorizer}")`);
}
const rotationDays = ctxInt('keyRotationDays');
if (rotationDays === 0) throw new Error('context keyRotationDays must be at least 1');

const stack = new KeygateStack(app, ctx('stackName') ?? 'Keygate', {
  ...(ctx('audience') ? { audience: ctx('audience') } : {}),
  functionOptions: {
    tracing: ctxBool('tracing') ?? false,
    ...(logLevel ? { logLevel: logLevel as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' } : {}),
    logRemovalPolicy: removalPolicy,
  },
  authServer: {
    removalPolicy,
    tableDeletionProtection: ctxBool('tableDeletionProtection') ?? retain !== false,
    ...(ctx('stageName') ? { stageName: ctx('stageName') } : {}),
    // -c keyRotation=false: manual rotation only; -c keyRotationDays=N: every N days (default 90).
    ...(ctxBool('keyRotation') === false
      ? { keyRotation: false as const }
      : rotationDays !== undefined
        ? { keyRotation: { every: Duration.days(rotationDays) } }
        : {}),
  },
  resourceApi: {
    ...(cacheTtl !== undefined ? { resultsCacheTtl: Duration.seconds(cacheTtl) } : {}),
    ...(ctx('stageName') ? { stageName: ctx('stageName') } : {}),
  },
  apiGatewayCloudWatchRole: ctxBool('apiGatewayCloudWatchRole') ?? true,
  authorizer,
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));

const assembly = app.synth();
const artifact = assembly.getStackArtifact(stack.artifactId);
// On stderr: under `cdk synth` (without --quiet) stdout carries the template.
console.error(
  synthSummary({
    stackName: stack.stackName,
    templateFile: relative(process.cwd(), artifact.templateFullPath),
    template: artifact.template,
    outdir: assembly.directory,
    functions: stack.node
      .findAll()
      .filter((c): c is lambda.Function => c instanceof lambda.Function)
      .map((fn) => ({
        path: fn.node.path.slice(stack.node.path.length + 1).replace(/\/Function$/, ''),
        logicalId: stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction),
      })),
  }).join('\n'),
);
