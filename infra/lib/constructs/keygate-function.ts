// One keygate Lambda: an esbuild-bundled NodejsFunction (ESM, minified, source maps, ARM64, newest Node runtime)
// with its own log group (retention set) and its own role holding only log-write rights, so callers add exactly
// the AWS permissions the function needs and no AWS-managed policy is attached.
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge, REASONS } from './nag.js';

/** Repository root (holds package-lock.json and handlers/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Absolute path of the Lambda entry `handlers/entry/<name>.ts`. */
export function entryPath(name: string): string {
  return fileURLToPath(new URL(`../../../handlers/entry/${name}.ts`, import.meta.url));
}

/** The newest Node.js runtime aws-cdk-lib 2.276 knows; esbuild's target must match it. */
export const RUNTIME = lambda.Runtime.NODEJS_24_X;
export const ESBUILD_TARGET = 'node24';

// Bundled CommonJS dependencies (the AWS SDK's, some Powertools internals) call `require` for Node built-ins;
// in an ESM bundle esbuild's `__require` shim throws unless a real `require` exists at module scope.
const ESM_REQUIRE_SHIM =
  "import { createRequire as __keygateCreateRequire } from 'node:module'; const require = __keygateCreateRequire(import.meta.url);";

/** Settings shared by every keygate function; each has a documented default. */
export interface FunctionOptions {
  /** CloudWatch Logs retention of each function's log group. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** What happens to the log groups when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** POWERTOOLS_LOG_LEVEL. @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** POWERTOOLS_METRICS_NAMESPACE (CloudWatch EMF namespace). @default 'keygate' */
  readonly metricsNamespace?: string;
  /** Active X-Ray tracing on every function (adds the xray:Put* permissions AWS requires on `*`). @default false */
  readonly tracing?: boolean;
}

export interface KeygateFunctionProps extends FunctionOptions {
  /** Absolute path of the TypeScript entry exporting `handler`. */
  readonly entry: string;
  readonly description: string;
  /** POWERTOOLS_SERVICE_NAME. */
  readonly serviceName: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  /** Handler configuration (Powertools and NODE_OPTIONS are added here). */
  readonly environment: Readonly<Record<string, string>>;
}

export class KeygateFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** POWERTOOLS_SERVICE_NAME: the `service` dimension of the function's EMF metrics. */
  readonly serviceName: string;
  /** POWERTOOLS_METRICS_NAMESPACE: the namespace of its EMF metrics. */
  readonly metricsNamespace: string;

  constructor(scope: Construct, id: string, props: KeygateFunctionProps) {
    super(scope, id);
    this.serviceName = props.serviceName;
    this.metricsNamespace = props.metricsNamespace ?? 'keygate';

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    // An explicit role instead of AWSLambdaBasicExecutionRole: the log group exists already (no
    // logs:CreateLogGroup) and the function may write to its own group only.
    this.role = new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.description}`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: props.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: this.metricsNamespace,
        // Stack traces point at the TypeScript sources; V8 only pays for the mapping when a stack is read.
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: ESBUILD_TARGET,
        platform: 'node',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_SHIM,
        // Nothing external, the AWS SDK included: the token and JWKS functions ship the exact
        // @aws-sdk/client-kms / client-dynamodb versions the tests ran against (the runtime's copy changes
        // under us), and a tree-shaken, minified single file loads faster at cold start than the runtime's
        // full SDK from /var/runtime (AWS Lambda guidance on bundling Node.js functions). The authorizer
        // imports no AWS SDK; with nothing external an accidental import would land in its bundle, where
        // the bundle-size test sees it, instead of resolving silently to the runtime's copy.
        bundleAwsSDK: true,
        externalModules: [],
        logLevel: nodejs.LogLevel.WARNING,
      },
    });
    if (props.tracing) acknowledge(this.role, 'AwsSolutions-IAM5[Resource::*]', REASONS.xrayWildcard);
  }

  /** Adds one statement to this function's own role policy. */
  allow(sid: string, actions: readonly string[], resources: readonly string[]): void {
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid, actions: [...actions], resources: [...resources] }),
    );
  }
}
