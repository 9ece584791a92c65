// Alarms and the dashboard in the synthesized stack: each alarm's metric (namespace, name, dimensions,
// statistic, period), threshold, comparison and evaluation; SNS actions when a topic is given; one
// dashboard showing the handlers' EMF metrics.
import { Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render, resourcesOfType, type Synthesized, synthKeygate } from '../../examples/products/synth.js';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:keygate-oncall';
let s: Synthesized;
beforeAll(() => {
  s = synthKeygate((app) => ({
    monitoring: { alarmTopic: sns.Topic.fromTopicArn(new Stack(app, 'Ops'), 'Topic', TOPIC_ARN) },
  }));
}, 120_000);
afterAll(() => s?.cleanup());

type Props = Record<string, unknown>;
const alarm = (name: string): Props => {
  const construct = s.stack.monitoring.alarms.find((a) => a.node.id === name);
  if (!construct) throw new Error(`no alarm ${name}`);
  return s.json.Resources[s.id(construct)]!.Properties!;
};
const emf = (service: string, metric: string, dims: Record<string, string> = {}) => ({
  Namespace: 'keygate',
  MetricName: metric,
  Dimensions: Object.entries({ ...dims, service })
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([Name, Value]) => ({ Name, Value })),
});
const mathMetrics = (p: Props) =>
  (
    p.Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: Props; Stat: string; Period: number };
    }[]
  )
    .filter((m) => m.MetricStat)
    .map((m) => ({
      id: m.Id,
      ...m.MetricStat!.Metric,
      stat: m.MetricStat!.Stat,
      period: m.MetricStat!.Period,
    }));
const expression = (p: Props) =>
  (p.Metrics as { Expression?: string }[]).find((m) => m.Expression)?.Expression;
const fnName = (fn: { function: unknown }) => ({ Ref: s.id(fn.function as never) });

describe('alarms', () => {
  it('raises at least seven alarms, each to the SNS topic on ALARM and OK', () => {
    const alarms = resourcesOfType(s.json, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThanOrEqual(7);
    for (const [id, a] of alarms) {
      expect(a.Properties!.AlarmActions, id).toEqual([TOPIC_ARN]);
      expect(a.Properties!.OKActions, id).toEqual([TOPIC_ARN]);
      expect(a.Properties!.TreatMissingData, id).toBe('notBreaching');
    }
  });

  it('alarms on authorizer errors (the 500 path: keys or revocation list unavailable, internal, bad method ARN)', () => {
    const p = alarm('AuthorizerErrors');
    expect(expression(p)).toBe('e0 + e1 + e2 + e3 + e4');
    expect(mathMetrics(p)).toEqual(
      ['keys_unavailable', 'revocations_unavailable', 'internal', 'method_arn', 'resource_too_long'].map(
        (reason, i) => ({
          id: `e${i}`,
          ...emf('keygate-authorizer', 'Decisions', { decision: 'error', reason }),
          stat: 'Sum',
          period: 300,
        }),
      ),
    );
    expect(p).toMatchObject({
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('alarms on a spike in the resource API’s 4XX rate, above 25 % for 15 minutes with enough traffic', () => {
    const p = alarm('UnauthorizedRate');
    expect(expression(p)).toBe('IF(requests >= 100, 100 * rejected / requests, 0)');
    const stage = { Ref: s.id(s.stack.resourceApi.api.deploymentStage) };
    expect(mathMetrics(p)).toEqual(
      [
        ['requests', 'Count'],
        ['rejected', '4XXError'],
      ].map(([id, MetricName]) => ({
        id,
        Namespace: 'AWS/ApiGateway',
        MetricName,
        Dimensions: [
          { Name: 'ApiName', Value: 'keygate-resources' },
          { Name: 'Stage', Value: stage },
        ],
        stat: 'Sum',
        period: 300,
      })),
    );
    expect(p).toMatchObject({
      Threshold: 25,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it.each([
    ['JwksFetchFailures', emf('keygate-authorizer', 'JwksFetchFailures'), 1, 2],
    ['KmsThrottles', emf('keygate-token', 'KmsThrottles'), 10, 1],
  ])('alarms on %s', (name, metric, threshold, periods) => {
    expect(alarm(name)).toMatchObject({
      ...metric,
      Statistic: 'Sum',
      Period: 300,
      Threshold: threshold,
      EvaluationPeriods: periods,
      DatapointsToAlarm: periods,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('alarms on token endpoint 5xx answers (internal, dependency unavailable or throttled)', () => {
    const p = alarm('Token5xx');
    expect(expression(p)).toBe('t0 + t1 + t2');
    expect(mathMetrics(p).map(({ id, stat, period, ...m }) => m)).toEqual(
      ['internal', 'dependency_unavailable', 'dependency_throttled'].map((error) =>
        emf('keygate-token', 'TokenErrors', { error }),
      ),
    );
    expect(p).toMatchObject({ Threshold: 5, EvaluationPeriods: 1 });
  });

  it.each(['Token', 'TokenClientAuth', 'Authorizer', 'Discovery', 'Products'])(
    'alarms on any Lambda throttle of %s',
    (name) => {
      const fn = {
        Token: s.stack.authServer.token,
        TokenClientAuth: s.stack.authServer.tokenClientAuth,
        Authorizer: s.stack.resourceApi.authorizer.functionConstruct,
        Discovery: s.stack.authServer.discovery,
        Products: s.stack.resourceApi.products,
      }[name]!;
      expect(alarm(`${name}Throttles`)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        Dimensions: [{ Name: 'FunctionName', Value: fnName(fn) }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    },
  );

  it.each([
    ['Authorizer', 1000],
    ['Token', 2000],
  ])('alarms on the %s function’s p99 duration above %i ms for 15 minutes', (name, ms) => {
    const fn = name === 'Token' ? s.stack.authServer.token : s.stack.resourceApi.authorizer.functionConstruct;
    expect(alarm(`${name}P99Duration`)).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Duration',
      Dimensions: [{ Name: 'FunctionName', Value: fnName(fn) }],
      ExtendedStatistic: 'p99',
      Period: 300,
      Threshold: ms,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it.each([
    ['AuthApi5xx', 'keygate-auth', 'authServer'],
    ['ResourceApi5xx', 'keygate-resources', 'resourceApi'],
  ] as const)('alarms on API Gateway 5XX (%s)', (name, apiName, part) => {
    expect(alarm(name)).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Dimensions: [
        { Name: 'ApiName', Value: apiName },
        { Name: 'Stage', Value: { Ref: s.id(s.stack[part].api.deploymentStage) } },
      ],
      Statistic: 'Sum',
      Threshold: 5,
    });
  });

  it('alarms on a failed publish, and on a table change reaching the publisher later than its 10 s budget', () => {
    const publisher = fnName(s.stack.authServer.documents.publisher);
    expect(alarm('PublisherErrors')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: publisher }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(alarm('PublisherBehind')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: publisher }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 10_000,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarms on a failed rotation run', () => {
    expect(alarm('RotationFailed')).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Dimensions: [
        { Name: 'StateMachineArn', Value: { Ref: s.id(s.stack.authServer.keyRotation!.stateMachine) } },
      ],
      Threshold: 1,
    });
  });
});

describe('dashboard', () => {
  it('is one dashboard with the alarms and the handlers’ EMF metrics', () => {
    const dashboards = resourcesOfType(s.json, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = render(dashboards[0]![1].Properties!.DashboardBody);
    for (const metric of [
      'TokensIssued',
      'TokenErrors',
      'KmsThrottles',
      'Decisions',
      'TokenCacheHits',
      'JwksFetchFailures',
      'KeysHeld',
    ]) {
      expect(body, metric).toContain(`"keygate","${metric}"`);
    }
    expect(body).toContain('"type":"alarm"');
    // Basic refusals made before the token Lambda, under the client authenticator's service.
    expect(body).toContain(
      '"keygate","TokenErrors","error","invalid_client","service","keygate-token-client-auth"',
    );
  });

  it('passes cdk-nag', () => {
    expect(s.nagViolations.filter((v) => v.constructPaths.some((p) => p.startsWith('Keygate')))).toEqual([]);
  });
});
