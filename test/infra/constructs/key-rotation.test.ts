// The scheduled rotation in the synthesized stack: the schedule and its idempotency key, the state
// machine's loop (start, wait the returned seconds, continue, done), the task's configuration, and the
// least-privilege IAM of the task, the state machine and the schedule; off when told to.
import { Duration } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_STATE_ITEM_ID } from '../../../core/issuer/keys/key-state-item.js';
import { SIGNING_KEY_TAG_KEY } from '../../../infra/lib/constructs/key-rotation.js';
import { render, resourcesOfType, type Synthesized, synthKeygate } from '../../examples/products/synth.js';

let s: Synthesized;
beforeAll(() => {
  s = synthKeygate();
}, 120_000);
afterAll(() => s?.cleanup());

const rotation = () => s.stack.authServer.keyRotation!;
const props = (id: string) => s.json.Resources[id]!.Properties!;
const statementsOf = (roleId: string) => {
  const [policy] = resourcesOfType(s.json, 'AWS::IAM::Policy').filter(
    ([, p]) => JSON.stringify(p.Properties!.Roles) === JSON.stringify([{ Ref: roleId }]),
  );
  return (policy![1].Properties!.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
};

describe('rotation schedule', () => {
  it('starts the state machine every 90 days with the scheduled time as the idempotency key', () => {
    const schedule = resourcesOfType(s.json, 'AWS::Scheduler::Schedule')[0]![1] as unknown as {
      Properties: {
        ScheduleExpression: string;
        State: string;
        Target: { Arn: unknown; Input: string; RoleArn: { 'Fn::GetAtt': [string, string] } };
      };
    };
    expect(schedule.Properties.ScheduleExpression).toBe('rate(90 days)');
    expect(schedule.Properties.State).toBe('ENABLED');
    expect(schedule.Properties.Target.Arn).toEqual({ Ref: s.id(rotation().stateMachine) });
    expect(JSON.parse(schedule.Properties.Target.Input)).toEqual({
      requestId: '<aws.scheduler.scheduled-time>',
    });
    // The schedule's role may start this state machine and nothing else.
    const roleId = schedule.Properties.Target.RoleArn['Fn::GetAtt'][0];
    expect(statementsOf(roleId)).toEqual([
      { Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: s.id(rotation().stateMachine) } },
    ]);
  });
});

describe('rotation state machine', () => {
  const definition = () => {
    const text = render(props(s.id(rotation().stateMachine)).DefinitionString);
    return JSON.parse(text.replaceAll(`\${${s.id(rotation().function.function)}.Arn}`, 'TASK')) as {
      StartAt: string;
      States: Record<string, Record<string, unknown>>;
      TimeoutSeconds: number;
    };
  };

  it('starts, waits the seconds each step returns, continues until done', () => {
    const d = definition();
    expect(d.StartAt).toBe('StartRotation');
    expect(d.States.StartRotation).toMatchObject({
      Type: 'Task',
      Resource: 'TASK',
      Parameters: { start: true, 'execution.$': '$' },
      Next: 'StartedOrDone',
    });
    for (const choice of ['StartedOrDone', 'ContinueOrDone']) {
      expect(d.States[choice]).toEqual({
        Type: 'Choice',
        Choices: [{ Variable: '$.done', BooleanEquals: true, Next: 'Rotated' }],
        Default: 'WaitOutCaches',
      });
    }
    expect(d.States.WaitOutCaches).toEqual({
      Type: 'Wait',
      SecondsPath: '$.waitSeconds',
      Next: 'ContinueRotation',
    });
    expect(d.States.ContinueRotation).toMatchObject({
      Resource: 'TASK',
      Parameters: { start: false },
      Next: 'ContinueOrDone',
    });
    expect(d.States.Rotated).toEqual({ Type: 'Succeed' });
    expect(d.TimeoutSeconds).toBe(7 * 86_400);
  });

  it('retries a failed step (each is idempotent) and logs every event without execution data', () => {
    expect(definition().States.ContinueRotation!.Retry).toContainEqual({
      ErrorEquals: ['States.TaskFailed'],
      IntervalSeconds: 30,
      MaxAttempts: 4,
      BackoffRate: 2,
    });
    expect(props(s.id(rotation().stateMachine)).LoggingConfiguration).toMatchObject({
      Level: 'ALL',
      IncludeExecutionData: false,
    });
  });

  it('may invoke only the rotation task', () => {
    const roleId = s.id(rotation().stateMachine.role);
    const [invoke] = statementsOf(roleId);
    const fnArn = { 'Fn::GetAtt': [s.id(rotation().function.function), 'Arn'] };
    expect(invoke).toEqual({
      Action: 'lambda:InvokeFunction',
      Effect: 'Allow',
      Resource: [fnArn, { 'Fn::Join': ['', [fnArn, ':*']] }],
    });
  });
});

describe('rotation task', () => {
  it('is configured with the deployed key, alias, tag, table and the functions whose settings it reads', () => {
    const { authServer: a, resourceApi: r } = s.stack;
    const env = (
      props(s.id(rotation().function.function)).Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(env).toMatchObject({
      CLIENTS_TABLE: { Ref: s.id(a.table) },
      SIGNING_KEY_ID: { 'Fn::GetAtt': [s.id(a.key), 'Arn'] },
      SIGNING_KEY_ALIAS: 'alias/keygate-signing',
      SIGNING_KEY_TAG: { 'Fn::Join': ['', [`${SIGNING_KEY_TAG_KEY}=`, { Ref: 'AWS::StackName' }]] },
      SIGNING_KEY_ROTATOR_ARN: { 'Fn::GetAtt': [s.id(rotation().function.role), 'Arn'] },
      SIGNING_KEY_SIGNER_ARNS: { 'Fn::GetAtt': [s.id(a.token.role), 'Arn'] },
      SIGNING_KEY_READER_ARNS: { 'Fn::GetAtt': [s.id(a.documents.publisher.role), 'Arn'] },
      KEY_PENDING_WINDOW_DAYS: '30',
      ROTATION_MARGIN_SECONDS: '60',
      TOKEN_FUNCTION_NAME: { Ref: s.id(a.token.function) },
      JWKS_FUNCTION_NAME: { Ref: s.id(a.documents.publisher.function) },
      AUTHORIZER_FUNCTION_NAMES: { Ref: s.id(r.authorizer.function) },
    });
  });

  it('tags the deployed signing key (a label: no policy grants anything by it)', () => {
    expect(props(s.id(s.stack.authServer.key)).Tags).toContainEqual({
      Key: SIGNING_KEY_TAG_KEY,
      Value: { Ref: 'AWS::StackName' },
    });
  });

  it('leaves the deployed key’s policy as CDK’s default, so a deploy after the key is retired never updates it', () => {
    // CloudFormation answers NotFound to an update of a key pending deletion: see the construct.
    expect(props(s.id(s.stack.authServer.key)).KeyPolicy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: {
            AWS: {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root'],
              ],
            },
          },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
  });

  it('may create only untagged RSA signing keys, retire only the deployed key, move only the alias, and write only the key-state item', () => {
    const { authServer: a, resourceApi: r } = s.stack;
    const statements = statementsOf(s.id(rotation().function.role)).map((st) => ({
      ...st,
      Resource: Array.isArray(st.Resource) ? st.Resource.map(render) : render(st.Resource),
    }));
    expect(statements.slice(1)).toEqual([
      {
        Sid: 'CreateSigningKeys',
        Effect: 'Allow',
        Action: 'kms:CreateKey',
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:KeySpec': 'RSA_2048',
            'kms:KeyUsage': 'SIGN_VERIFY',
            'kms:KeyOrigin': 'AWS_KMS',
          },
          Bool: { 'kms:MultiRegion': 'false', 'kms:BypassPolicyLockoutSafetyCheck': 'false' },
          Null: { 'aws:TagKeys': 'true' },
        },
      },
      {
        Sid: 'RetireDeployedKey',
        Effect: 'Allow',
        Action: ['kms:UpdateAlias', 'kms:DisableKey', 'kms:ScheduleKeyDeletion'],
        Resource: `\${${s.id(a.key)}.Arn}`,
      },
      {
        Sid: 'MoveSigningAlias',
        Effect: 'Allow',
        Action: 'kms:UpdateAlias',
        Resource: `arn:\${AWS::Partition}:kms:\${AWS::Region}:\${AWS::AccountId}:alias/keygate-signing`,
      },
      {
        Sid: 'WriteKeyState',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: `\${${s.id(a.table)}.Arn}`,
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [KEY_STATE_ITEM_ID] } },
      },
      {
        Sid: 'ReadDeployedSettings',
        Effect: 'Allow',
        Action: 'lambda:GetFunctionConfiguration',
        Resource: [a.token.function, a.documents.publisher.function, r.authorizer.function].map(
          (f) => `\${${s.id(f)}.Arn}`,
        ),
      },
    ]);
  });
});

describe('rotation options', () => {
  it.each([
    [{ every: Duration.days(30) }, 'rate(30 days)'],
    [{ every: Duration.days(365) }, 'rate(365 days)'],
  ])(
    'takes the interval %j',
    (option, expression) => {
      const t = synthKeygate({ authServer: { keyRotation: option } });
      try {
        const schedules = resourcesOfType(t.json, 'AWS::Scheduler::Schedule');
        expect(schedules.map(([, r]) => r.Properties!.ScheduleExpression)).toEqual([expression]);
      } finally {
        t.cleanup();
      }
    },
    120_000,
  );

  it('builds no schedule, state machine or task with keyRotation: false', () => {
    const t = synthKeygate({ authServer: { keyRotation: false } });
    try {
      expect(resourcesOfType(t.json, 'AWS::Scheduler::Schedule')).toEqual([]);
      expect(resourcesOfType(t.json, 'AWS::StepFunctions::StateMachine')).toEqual([]);
      expect(t.nagViolations).toEqual([]);
    } finally {
      t.cleanup();
    }
  }, 120_000);

  it('rejects a deletion window KMS does not allow (the same window applies to every retired key)', () => {
    expect(() => synthKeygate({ authServer: { keyPendingWindow: Duration.days(3) } })).toThrow(
      /pendingWindow' value must between 7 and 30 days/,
    );
  });
});
