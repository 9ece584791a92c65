// One keygate Lambda: prebuilt code (an ESM bundle made by `npm run build`, ARM64, newest Node runtime,
// source maps) with its own log group (retention set) and its own role holding only log-write rights, so
// callers add exactly the AWS permissions the function needs and no AWS-managed policy is attached.
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { RUNTIME } from './lambda-code.js';
import { acknowledge, REASONS } from './nag.js';

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

/** Props of KeygateFunction (built by keygate's constructs). */
export interface KeygateFunctionProps extends FunctionOptions {
  /** The function's code: a directory with index.mjs exporting `handler` (see lambda-code.ts). */
  readonly code: lambda.Code;
  /** The Lambda function's description. */
  readonly description: string;
  /** POWERTOOLS_SERVICE_NAME. */
  readonly serviceName: string;
  /** Memory in MB (also sets the CPU share). */
  readonly memorySize: number;
  /** The invocation timeout. */
  readonly timeout: Duration;
  /** Handler configuration (Powertools and NODE_OPTIONS are added here). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * NODE_OPTIONS=--enable-source-maps: stack traces point at the TypeScript sources, but Node then reads
   * and parses the bundle's source map at every cold start. @default true
   */
  readonly sourceMapStackTraces?: boolean;
}

/**
 * One keygate Lambda function (Node.js, arm64, prebuilt code) with its own least-privilege role and log
 * group; the members of KeygateIssuer and KeygateAuthorizer that hold functions are of this type.
 */
export class KeygateFunction extends Construct {
  /** The Lambda function. */
  readonly function: lambda.Function;
  /** Its execution role: only the statements keygate adds. */
  readonly role: iam.Role;
  /** Its log group, with the configured retention. */
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

    this.function = new lambda.Function(this, 'Function', {
      code: props.code,
      handler: 'index.handler',
      description: props.description,
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: props.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: this.metricsNamespace,
        ...(props.sourceMapStackTraces === false ? {} : { NODE_OPTIONS: '--enable-source-maps' }),
      },
    });
    if (props.tracing) acknowledge(this.role, 'AwsSolutions-IAM5[Resource::*]', REASONS.xrayWildcard);
  }

  /**
   * Adds one statement to this function's own role policy.
   * @param sid - the statement id
   * @param actions - IAM actions
   * @param resources - resource ARNs
   */
  allow(sid: string, actions: readonly string[], resources: readonly string[]): void {
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid, actions: [...actions], resources: [...resources] }),
    );
  }
}
