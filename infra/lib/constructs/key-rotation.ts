// Scheduled signing-key rotation: EventBridge Scheduler starts a Step Functions state machine `every` 90 days
// by default; the state machine invokes the rotation task (handlers/rotation.ts) and waits the seconds each
// step returns, until the old key is retired (docs/operations-rotation.md). Keys created by a rotation carry
// a tag, and the token, JWKS and rotation roles may use keys by that tag only (ABAC for AWS KMS), since
// their ARNs do not exist at deploy time. The key state lives in the clients table (one reserved item).
// KeygateIssuer creates it (prop `keyRotation`); a KeygateAuthorizer in the same stack registers itself.
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
import { KEY_STATE_ITEM_ID } from '../../../core/issuer/key-state-item.js';
import { type FunctionOptions, KeygateFunction } from './keygate-function.js';
import { prebuiltCode } from './lambda-code.js';
import { acknowledge, REASONS } from './nag.js';

/** Tag key on every keygate signing key; its value names the stack, so stacks never share keys. */
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

export interface KeyRotationProps extends KeyRotationOptions {
  /** The deployed signing key: in force until the first rotation, then retired by it. */
  readonly signingKey: kms.IKey;
  /** Alias the rotation moves to each new signing key (e.g. 'alias/keygate-signing'). */
  readonly signingKeyAlias?: string;
  /** The clients table: holds the key-state item. */
  readonly table: dynamodb.ITable;
  /** The functions whose settings (caches, lifetimes) the waits are computed from, read at every step. */
  readonly token: KeygateFunction;
  readonly jwks: KeygateFunction;
  /** KMS waiting period before a retired key is deleted (7-30 days). @default Duration.days(30) */
  readonly keyPendingWindow?: Duration;
  readonly functionOptions?: FunctionOptions;
}

export class KeyRotation extends Construct {
  readonly function: KeygateFunction;
  readonly stateMachine: sfn.StateMachine;
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

    const keysArn = `arn:${Aws.PARTITION}:kms:${Aws.REGION}:${Aws.ACCOUNT_ID}:key/*`;
    const tagged = { StringEquals: { [`aws:ResourceTag/${this.tag.key}`]: this.tag.value } };
    // dynamodb:LeadingKeys: only the key-state item, never a client record.
    const stateItemOnly = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [KEY_STATE_ITEM_ID] } };
    const allowTagged = (fn: KeygateFunction, sid: string, actions: string[]) =>
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid, actions, resources: [keysArn], conditions: tagged }),
      );

    // The request path follows the key state: sign / publish with rotated keys, by tag.
    allowTagged(props.token, 'SignWithRotatedKeys', ['kms:Sign']);
    allowTagged(props.jwks, 'ReadRotatedPublicKeys', ['kms:GetPublicKey']);
    props.jwks.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadKeyState',
        actions: ['dynamodb:GetItem'],
        resources: [props.table.tableArn],
        conditions: stateItemOnly,
      }),
    );
    props.jwks.function.addEnvironment('CLIENTS_TABLE', props.table.tableName);
    for (const fn of [props.token, props.jwks]) {
      acknowledge(fn.role, `AwsSolutions-IAM5[Resource::${nagArn}]`, REASONS.rotatedKeysByTag);
    }

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
        KEY_PENDING_WINDOW_DAYS: String(pendingDays),
        ROTATION_MARGIN_SECONDS: String(props.marginSeconds ?? 60),
        TOKEN_FUNCTION_NAME: props.token.function.functionName,
        JWKS_FUNCTION_NAME: props.jwks.function.functionName,
      },
    });
    const fn = this.function;
    // CreateKey has no resource to scope (Service Authorization Reference: resource `*`); the conditions
    // pin what may be created: an RSA_2048 SIGN_VERIFY key carrying our tag. Tagging at creation needs
    // kms:TagResource in a policy "not restricted to particular KMS keys" (AWS KMS, "Controlling access
    // to tags"), limited here to setting our tag to our value.
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CreateTaggedSigningKeys',
        actions: ['kms:CreateKey'],
        resources: ['*'],
        conditions: {
          StringEquals: {
            [`aws:RequestTag/${this.tag.key}`]: this.tag.value,
            'kms:KeySpec': 'RSA_2048',
            'kms:KeyUsage': 'SIGN_VERIFY',
          },
        },
      }),
    );
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TagNewSigningKeys',
        actions: ['kms:TagResource'],
        resources: ['*'],
        conditions: {
          StringEquals: { [`aws:RequestTag/${this.tag.key}`]: this.tag.value },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [this.tag.key] },
        },
      }),
    );
    allowTagged(fn, 'ManageTaggedSigningKeys', [
      'kms:DisableKey',
      'kms:ScheduleKeyDeletion',
      'kms:UpdateAlias',
    ]);
    if (props.signingKeyAlias) {
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
    acknowledge(fn.role, `AwsSolutions-IAM5[Resource::${nagArn}]`, REASONS.rotatedKeysByTag);
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

// How cdk-nag renders the key ARN pattern in a finding id.
const nagArn = 'arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*';
