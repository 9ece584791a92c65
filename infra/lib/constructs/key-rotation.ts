// Scheduled signing-key rotation: EventBridge Scheduler starts a Step Functions state machine `every` 90 days
// by default; the state machine invokes the rotation task (handlers/rotation.ts) and waits the seconds each
// step returns, until the old key is retired (docs/operations-rotation.md). Keys do not exist at deploy time,
// so the roles get them through key policies: each key the rotation creates names the rotation, token and
// JWKS roles in its own policy (core/issuer/keys/signing-key-policy.ts); the deployed key is granted by IAM on its
// ARN. No IAM policy grants a KMS action on `*` but kms:CreateKey. The key state lives in the
// clients table (one reserved item). KeygateIssuer creates it (prop `keyRotation`); a KeygateAuthorizer in
// the same stack registers itself.
import { Aws, type CfnElement, Duration, Lazy, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { KEY_STATE_ITEM_ID } from '../../../core/issuer/keys/key-state-item.js';
import { KEY_ROTATOR_ACTIONS } from '../../../core/issuer/keys/signing-key-policy.js';
import { type FunctionOptions, KeygateFunction } from './keygate-function.js';
import { prebuiltCode } from './lambda-code.js';
import { acknowledge, REASONS } from './nag.js';

/** Tag key on every keygate signing key; its value names the stack. It identifies keys and grants nothing. */
export const SIGNING_KEY_TAG_KEY = 'keygate:signing-key';

/** What a KeygateIssuer user sets (prop `keyRotation`). */
export interface KeyRotationOptions {
  /** How often a rotation starts. @default Duration.days(90) */
  readonly every?: Duration;
  /** Create the schedule (off: start the state machine by hand). @default true */
  readonly scheduleEnabled?: boolean;
  /** Added to every computed wait. @default 60 */
  readonly marginSeconds?: number;
}

/** Props of KeyRotation; a KeygateIssuer builds one from its `keyRotation` option. */
export interface KeyRotationProps extends KeyRotationOptions {
  /** The deployed signing key: in force until the first rotation, then retired by it. */
  readonly signingKey: kms.IKey;
  /** Alias the rotation moves to each new signing key (e.g. 'alias/keygate-signing'). */
  readonly signingKeyAlias?: string;
  /** The clients table: holds the key-state item. */
  readonly table: dynamodb.ITable;
  /** The functions whose settings (caches, lifetimes) the waits are computed from, read at every step. */
  readonly token: KeygateFunction;
  /** The function whose JWKS caching the waits cover (the publisher of the published JWKS). */
  readonly jwks: KeygateFunction;
  /** KMS waiting period before a retired key is deleted (7-30 days). @default Duration.days(30) */
  readonly keyPendingWindow?: Duration;
  /** Settings of the rotation function. */
  readonly functionOptions?: FunctionOptions;
}

/**
 * Scheduled signing-key rotation: EventBridge Scheduler starts a Step Functions state machine `every` 90 days by
 * default; it runs the rotation function and waits the seconds each step returns, until the old key is retired
 * (docs/operations-rotation.md). KeygateIssuer creates one unless `keyRotation: false`.
 */
export class KeyRotation extends Construct {
  /** The rotation function each state runs. */
  readonly function: KeygateFunction;
  /** The rotation's state machine (start an execution to rotate now). */
  readonly stateMachine: sfn.StateMachine;
  /** The EventBridge Scheduler schedule that starts it, unless `scheduleEnabled: false`. */
  readonly schedule?: scheduler.Schedule;
  /** `key=value` of the signing-key tag. */
  readonly tag: { readonly key: string; readonly value: string };

  private readonly verifiers: KeygateFunction[] = [];
  private readonly readSettings: iam.PolicyStatement;

  constructor(scope: Construct, id: string, props: KeyRotationProps) {
    super(scope, id);
    const fnOptions = props.functionOptions ?? {};
    const pendingDays = (props.keyPendingWindow ?? Duration.days(30)).toDays();
    if (!Number.isInteger(pendingDays) || pendingDays < 7 || pendingDays > 30) {
      throw new Error(`keyPendingWindow must be 7 to 30 whole days (got ${pendingDays})`);
    }
    this.tag = { key: SIGNING_KEY_TAG_KEY, value: Aws.STACK_NAME };
    Tags.of(props.signingKey).add(this.tag.key, this.tag.value);

    // dynamodb:LeadingKeys: only the key-state item, never a client record.
    const stateItemOnly = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [KEY_STATE_ITEM_ID] } };
    props.jwks.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadKeyState',
        actions: ['dynamodb:GetItem'],
        resources: [props.table.tableArn],
        conditions: stateItemOnly,
      }),
    );
    props.jwks.function.addEnvironment('CLIENTS_TABLE', props.table.tableName);

    this.function = new KeygateFunction(this, 'RotationFunction', {
      ...fnOptions,
      code: prebuiltCode('rotation'),
      description: 'keygate signing-key rotation task (one step per invocation)',
      serviceName: 'keygate-rotation',
      memorySize: 256,
      // A step is a few KMS and DynamoDB calls (CreateKey generates an RSA key).
      timeout: Duration.seconds(60),
      environment: {
        CLIENTS_TABLE: props.table.tableName,
        SIGNING_KEY_ID: props.signingKey.keyArn,
        ...(props.signingKeyAlias ? { SIGNING_KEY_ALIAS: props.signingKeyAlias } : {}),
        SIGNING_KEY_TAG: `${this.tag.key}=${this.tag.value}`,
        // The principals of each created key's policy: the only way any role reaches a rotated key.
        SIGNING_KEY_SIGNER_ARNS: props.token.role.roleArn,
        SIGNING_KEY_READER_ARNS: props.jwks.role.roleArn,
        KEY_PENDING_WINDOW_DAYS: String(pendingDays),
        ROTATION_MARGIN_SECONDS: String(props.marginSeconds ?? 60),
        TOKEN_FUNCTION_NAME: props.token.function.functionName,
        JWKS_FUNCTION_NAME: props.jwks.function.functionName,
      },
    });
    const fn = this.function;
    fn.function.addEnvironment('SIGNING_KEY_ROTATOR_ARN', fn.role.roleArn);
    // CreateKey takes no resource (Service Authorization Reference: `*`), so the request is what is pinned:
    // an RSA_2048 SIGN_VERIFY key with KMS key material in this Region, no tags (tagging in CreateKey would
    // need kms:TagResource on every key) and the lockout safety check on. KMS evaluates request conditions
    // with the default value when a parameter is absent (AWS KMS Developer Guide, "AWS KMS condition keys",
    // https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html).
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CreateSigningKeys',
        actions: ['kms:CreateKey'],
        resources: ['*'],
        conditions: CREATE_KEY_CONDITIONS,
      }),
    );
    // The deployed key, retired by the first rotation: an IAM grant on its ARN, never a change to its key
    // policy. After that rotation the key is pending deletion, then deleted, and CloudFormation's update of an
    // AWS::KMS::Key answers NotFound for a key pending deletion (aws-cloudformation-resource-providers-kms,
    // key/src/main/java/software/amazon/kms/key/BaseHandlerStd.java, resourceStateCheck): any template change
    // to that key would fail every later deploy of a stack that has rotated. Its template stays as it was.
    fn.allow('RetireDeployedKey', [...KEY_ROTATOR_ACTIONS], [props.signingKey.keyArn]);
    if (props.signingKeyAlias) {
      // UpdateAlias needs the permission on the alias in an IAM policy, and on both keys (their key policies).
      fn.allow(
        'MoveSigningAlias',
        ['kms:UpdateAlias'],
        [`arn:${Aws.PARTITION}:kms:${Aws.REGION}:${Aws.ACCOUNT_ID}:${props.signingKeyAlias}`],
      );
    }
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteKeyState',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        resources: [props.table.tableArn],
        conditions: stateItemOnly,
      }),
    );
    this.readSettings = new iam.PolicyStatement({
      sid: 'ReadDeployedSettings',
      actions: ['lambda:GetFunctionConfiguration'],
      resources: [props.token, props.jwks].map((f) => f.function.functionArn),
    });
    fn.role.addToPrincipalPolicy(this.readSettings);
    acknowledge(fn.role, 'AwsSolutions-IAM5[Resource::*]', REASONS.kmsCreateKey);

    // start -> (wait N s -> continue)* -> done. Each task is idempotent: retries are safe.
    const invoke = (name: string, payload: sfn.TaskInput) => {
      const task = new tasks.LambdaInvoke(this, name, {
        lambdaFunction: fn.function,
        payload,
        payloadResponseOnly: true,
        retryOnServiceExceptions: true,
      });
      task.addRetry({
        errors: ['States.TaskFailed'],
        interval: Duration.seconds(30),
        maxAttempts: 4,
        backoffRate: 2,
      });
      return task;
    };
    const start = invoke(
      'StartRotation',
      // The whole execution input: the schedule's carries a requestId, a manual start may carry none.
      sfn.TaskInput.fromObject({ start: true, 'execution.$': '$' }),
    );
    const next = invoke('ContinueRotation', sfn.TaskInput.fromObject({ start: false }));
    const wait = new sfn.Wait(this, 'WaitOutCaches', { time: sfn.WaitTime.secondsPath('$.waitSeconds') });
    const done = new sfn.Succeed(this, 'Rotated');
    const loop = (name: string) =>
      new sfn.Choice(this, name).when(sfn.Condition.booleanEquals('$.done', true), done).otherwise(wait);
    wait.next(next);
    next.next(loop('ContinueOrDone'));

    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      retention: fnOptions.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: fnOptions.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'keygate signing-key rotation: create, publish, switch, unpublish, retire',
      definitionBody: sfn.DefinitionBody.fromChainable(start.next(loop('StartedOrDone'))),
      // A rotation spans the longest token lifetime plus caches: hours, far below Standard's one year.
      timeout: Duration.days(7),
      tracingEnabled: fnOptions.tracing ?? false,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    if (!fnOptions.tracing) acknowledge(this.stateMachine, 'AwsSolutions-SF2', REASONS.tracingOff);
    const stack = Stack.of(this);
    const fnLogicalId = stack.resolve(stack.getLogicalId(fn.function.node.defaultChild as CfnElement));
    acknowledge(
      this.stateMachine.role,
      `AwsSolutions-IAM5[Resource::<${fnLogicalId}.Arn>:*]`,
      REASONS.invokeQualified,
    );
    acknowledge(this.stateMachine.role, 'AwsSolutions-IAM5[Resource::*]', REASONS.stepFunctionsLogDelivery);

    if (props.scheduleEnabled ?? true) {
      this.schedule = new scheduler.Schedule(this, 'Schedule', {
        description: 'Starts the keygate signing-key rotation',
        schedule: scheduler.ScheduleExpression.rate(props.every ?? Duration.days(90)),
        target: new targets.StepFunctionsStartExecution(this.stateMachine, {
          // The scheduled time is the rotation's idempotency key: a repeated delivery starts nothing.
          input: scheduler.ScheduleTargetInput.fromObject({
            requestId: scheduler.ContextAttribute.scheduledTime,
          }),
        }),
      });
    }
  }

  /**
   * Makes the waits cover this verifier's JWKS caching and clock leeway, read from its deployed settings at
   * every step. A KeygateAuthorizer in the same stack calls this itself; without any, the waits assume the
   * authorizer's defaults.
   */
  followVerifier(verifier: KeygateFunction): void {
    if (this.verifiers.includes(verifier)) return;
    this.verifiers.push(verifier);
    if (this.verifiers.length === 1) {
      this.function.function.addEnvironment(
        'AUTHORIZER_FUNCTION_NAMES',
        Lazy.string({ produce: () => this.verifiers.map((f) => f.function.functionName).join(',') }),
      );
    }
    this.readSettings.addResources(verifier.function.functionArn);
  }
}

/** The only condition under which any keygate role may call kms:CreateKey (the one KMS action on `*`). */
export const CREATE_KEY_CONDITIONS = {
  StringEquals: { 'kms:KeySpec': 'RSA_2048', 'kms:KeyUsage': 'SIGN_VERIFY', 'kms:KeyOrigin': 'AWS_KMS' },
  Bool: { 'kms:MultiRegion': 'false', 'kms:BypassPolicyLockoutSafetyCheck': 'false' },
  Null: { 'aws:TagKeys': 'true' },
} as const;
