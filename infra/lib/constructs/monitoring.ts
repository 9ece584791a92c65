// Alarms and one dashboard over a KeygateIssuer and a KeygateAuthorizer (docs/operations-monitoring.md): the
// handlers' EMF metrics (namespace and `service` dimension from each KeygateFunction; names from
// handlers/token.ts and handlers/authorizer/handler.ts), Lambda throttles and p99 duration, API Gateway 4XX/5XX per
// stage, and the rotation state machine's failures. Every alarm notifies the optional SNS topic, on ALARM and OK.
import { Duration } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { PUBLISH_LATENCY_BUDGET_SECONDS } from '../../../core/publish/served-documents.js';
import type { KeygateAuthorizer } from './keygate-authorizer.js';
import type { KeygateFunction } from './keygate-function.js';
import type { KeygateIssuer } from './keygate-issuer.js';

/** The authorizer's `error` decisions (they throw, so API Gateway answers 500). */
export const AUTHORIZER_ERROR_REASONS = [
  'keys_unavailable',
  'revocations_unavailable',
  'internal',
  'method_arn',
  'resource_too_long',
] as const;
/** The token endpoint's 5xx error codes (core/issuer/errors.ts ISSUER_ERRORS). */
export const TOKEN_5XX_CODES = ['internal', 'dependency_unavailable', 'dependency_throttled'] as const;

/** Alarm thresholds of Monitoring; each has a default. */
export interface MonitoringThresholds {
  /** Authorizer `error` decisions (500s: keys or revocation list unavailable, internal) per 5 minutes. @default 1 */
  readonly authorizerErrors?: number;
  /** Share of resource API requests answered 4XX (401/403), in percent, over 15 minutes. @default 25 */
  readonly unauthorizedRatePercent?: number;
  /** Fewer requests than this per 5 minutes never raise the 4XX-rate alarm. @default 100 */
  readonly unauthorizedRateMinRequests?: number;
  /** Failed JWKS fetches by the authorizer per 5 minutes, two periods running. @default 1 */
  readonly jwksFetchFailures?: number;
  /** Token endpoint 5xx answers per 5 minutes. @default 5 */
  readonly token5xx?: number;
  /** KMS ThrottlingException seen by the token Lambda per 5 minutes. @default 10 */
  readonly kmsThrottles?: number;
  /** p99 duration of the authorizer Lambda, ms, three 5-minute periods running. @default 1000 */
  readonly authorizerP99Ms?: number;
  /** p99 duration of the token Lambda, ms, three 5-minute periods running. @default 2000 */
  readonly tokenP99Ms?: number;
  /** API Gateway 5XXError per stage per 5 minutes. @default 5 */
  readonly apiGateway5xx?: number;
}

/** Props of Monitoring: what to watch, where to notify, and the thresholds. */
export interface MonitoringProps {
  /** Its functions, its API and (when on) its key rotation are watched. */
  readonly issuer: KeygateIssuer;
  /** The authorizer in front of `resourceApi`. */
  readonly authorizer: KeygateAuthorizer;
  /** The API the authorizer guards: its 4XX rate and 5XX. */
  readonly resourceApi: apigateway.RestApi;
  /** The API's own functions (by a name for the alarm ids): throttle alarms and dashboard graphs. */
  readonly functions?: Readonly<Record<string, lambda.IFunction>>;
  /** Alarm notifications (ALARM and OK). @default none */
  readonly alarmTopic?: sns.ITopic;
  /** Alarm thresholds. @default each threshold's own default */
  readonly thresholds?: MonitoringThresholds;
  /** The CloudWatch dashboard's name. @default a name CloudFormation generates */
  readonly dashboardName?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * CloudWatch alarms and one dashboard over a KeygateIssuer and a KeygateAuthorizer: the handlers' decisions
 * and errors, Lambda throttles and p99 duration, API Gateway 4XX/5XX per stage, and the key rotation's
 * failures (docs/operations-monitoring.md).
 */
export class Monitoring extends Construct {
  /** Every alarm created, each notifying `alarmTopic` when given. */
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The dashboard. */
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const t = props.thresholds ?? {};
    const { issuer } = props;
    const token = issuer.token;
    const authorizer = props.authorizer.functionConstruct;
    const emf = (
      fn: KeygateFunction,
      metricName: string,
      dimensions: Record<string, string> = {},
      label?: string,
    ) =>
      new cloudwatch.Metric({
        namespace: fn.metricsNamespace,
        metricName,
        dimensionsMap: { service: fn.serviceName, ...dimensions },
        statistic: cloudwatch.Stats.SUM,
        period: FIVE_MINUTES,
        ...(label ? { label } : {}),
      });
    const sumOf = (label: string, metrics: Record<string, cloudwatch.IMetric>) =>
      new cloudwatch.MathExpression({
        expression: Object.keys(metrics).join(' + '),
        usingMetrics: metrics,
        label,
        period: FIVE_MINUTES,
      });
    const alarm = (
      name: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      description: string,
      periods = 1,
      comparison = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ) => {
      const a = new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: periods,
        datapointsToAlarm: periods,
        comparisonOperator: comparison,
        // No data is no traffic (or a quiet authorizer that flushed nothing): healthy.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (props.alarmTopic) {
        a.addAlarmAction(new actions.SnsAction(props.alarmTopic));
        a.addOkAction(new actions.SnsAction(props.alarmTopic));
      }
      this.alarms.push(a);
      return a;
    };

    const authorizerErrors = sumOf(
      'Authorizer errors (500)',
      Object.fromEntries(
        AUTHORIZER_ERROR_REASONS.map((reason, i) => [
          `e${i}`,
          emf(authorizer, 'Decisions', { decision: 'error', reason }),
        ]),
      ),
    );
    alarm(
      'AuthorizerErrors',
      authorizerErrors,
      t.authorizerErrors ?? 1,
      'The TOKEN authorizer failed (keys unavailable or an internal error): callers got 500 instead of a decision.',
    );

    const stage = props.resourceApi.deploymentStage;
    const requests = stage.metricCount({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM });
    const rejected = stage.metricClientError({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM });
    const minRequests = t.unauthorizedRateMinRequests ?? 100;
    alarm(
      'UnauthorizedRate',
      new cloudwatch.MathExpression({
        expression: `IF(requests >= ${minRequests}, 100 * rejected / requests, 0)`,
        usingMetrics: { requests, rejected },
        label: 'Resource API 4XX rate (%)',
        period: FIVE_MINUTES,
      }),
      t.unauthorizedRatePercent ?? 25,
      'A spike in refused resource-API calls (401 invalid_token / 403 insufficient_scope): expired or forged ' +
        'tokens, a client misconfigured, or verifiers missing a key.',
      3,
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    );
    alarm(
      'JwksFetchFailures',
      emf(authorizer, 'JwksFetchFailures'),
      t.jwksFetchFailures ?? 1,
      'The authorizer cannot fetch the JWKS: it keeps verifying with its last keys, but a new key will not be found.',
      2,
    );
    alarm(
      'Token5xx',
      sumOf(
        'Token endpoint 5xx',
        Object.fromEntries(
          TOKEN_5XX_CODES.map((error, i) => [`t${i}`, emf(token, 'TokenErrors', { error })]),
        ),
      ),
      t.token5xx ?? 5,
      'The token endpoint answered 5xx (KMS or DynamoDB unavailable or throttled, or a misconfiguration).',
    );
    alarm(
      'KmsThrottles',
      emf(token, 'KmsThrottles'),
      t.kmsThrottles ?? 10,
      'KMS throttled the token Lambda’s Sign calls: the account’s shared RSA quota is near its limit.',
    );
    const requestPath: (readonly [string, lambda.IFunction])[] = [
      ['Token', token.function],
      ['TokenClientAuth', issuer.tokenClientAuth.function],
      ['Discovery', issuer.discovery.function],
      ['Authorizer', authorizer.function],
      ...Object.entries(props.functions ?? {}),
    ];
    for (const [name, fn] of requestPath) {
      alarm(
        `${name}Throttles`,
        fn.metricThrottles({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
        1,
        `Lambda throttled the ${name.toLowerCase()} function (concurrency limit).`,
      );
    }
    // Not a throttle alarm: with reserved concurrency 1, batches from two stream shards take turns by design.
    alarm(
      'PublisherErrors',
      issuer.documents.publisher.function.metricErrors({
        period: FIVE_MINUTES,
        statistic: cloudwatch.Stats.SUM,
      }),
      1,
      'The document publisher failed: the JWKS or revocation list the auth API serves is stale until a retry succeeds.',
    );
    // The revocation bound and the rotation waits count on a publish within its budget; a stream record
    // older than that when the publisher gets it means the bound does not hold right now.
    alarm(
      'PublisherBehind',
      issuer.documents.publisher.function.metric('IteratorAge', {
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      PUBLISH_LATENCY_BUDGET_SECONDS * 1000,
      `The publisher got a table change more than ${PUBLISH_LATENCY_BUDGET_SECONDS} s after it was written: revocations and key changes reach authorizers later than documented.`,
      1,
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    );
    for (const [name, fn, ms] of [
      ['Authorizer', authorizer, t.authorizerP99Ms ?? 1000],
      ['Token', token, t.tokenP99Ms ?? 2000],
    ] as const) {
      alarm(
        `${name}P99Duration`,
        fn.function.metricDuration({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.p(99) }),
        ms,
        `p99 duration of the ${name.toLowerCase()} function above ${ms} ms for 15 minutes.`,
        3,
        cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      );
    }
    for (const [name, api] of [
      ['AuthApi5xx', issuer.api],
      ['ResourceApi5xx', props.resourceApi],
    ] as const) {
      alarm(
        name,
        api.deploymentStage.metricServerError({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
        t.apiGateway5xx ?? 5,
        `API Gateway answered 5XX on ${api.restApiName}.`,
      );
    }
    if (issuer.keyRotation) {
      alarm(
        'RotationFailed',
        issuer.keyRotation.stateMachine.metricFailed({
          period: FIVE_MINUTES,
          statistic: cloudwatch.Stats.SUM,
        }),
        1,
        'A signing-key rotation run failed: `npm run keys -- status` shows the step it stopped at; rerun to resume.',
      );
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      ...(props.dashboardName ? { dashboardName: props.dashboardName } : {}),
      defaultInterval: Duration.hours(3),
    });
    const graph = (title: string, left: cloudwatch.IMetric[], width = 8) =>
      new cloudwatch.GraphWidget({ title, left, width, height: 6 });
    const lambdas = requestPath.map(([, fn]) => fn);
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'keygate alarms',
        alarms: this.alarms,
        width: 24,
        height: 4,
      }),
    );
    this.dashboard.addWidgets(
      graph('Token endpoint', [
        emf(token, 'TokensIssued', {}, 'issued'),
        ...TOKEN_5XX_CODES.map((error) => emf(token, 'TokenErrors', { error }, error)),
        emf(token, 'TokenErrors', { error: 'invalid_client' }, 'invalid_client'),
        // Wrong client_secret_basic is refused before the token Lambda (docs/token-endpoint-401.md).
        emf(issuer.tokenClientAuth, 'TokenErrors', { error: 'invalid_client' }, 'invalid_client (Basic)'),
        emf(token, 'KmsThrottles', {}, 'KMS throttles'),
      ]),
      graph('Authorizer decisions', [
        emf(authorizer, 'Decisions', { decision: 'allow', reason: 'allowed' }, 'allow'),
        emf(authorizer, 'Decisions', { decision: 'unauthorized', reason: 'expired' }, 'expired'),
        emf(authorizer, 'Decisions', { decision: 'unauthorized', reason: 'signature' }, 'bad signature'),
        emf(authorizer, 'Decisions', { decision: 'unauthorized', reason: 'unknown_kid' }, 'unknown kid'),
        emf(authorizer, 'Decisions', { decision: 'deny', reason: 'no_usable_scope' }, 'deny (scope)'),
        authorizerErrors,
      ]),
      graph('Authorizer caches and keys', [
        emf(authorizer, 'TokenCacheHits', {}, 'token cache hits'),
        emf(authorizer, 'TokenCacheMisses', {}, 'token cache misses'),
        emf(authorizer, 'JwksFetches', {}, 'JWKS fetches'),
        emf(authorizer, 'JwksFetchFailures', {}, 'JWKS fetch failures'),
        new cloudwatch.Metric({
          namespace: authorizer.metricsNamespace,
          metricName: 'KeysHeld',
          dimensionsMap: { service: authorizer.serviceName },
          statistic: cloudwatch.Stats.MAXIMUM,
          period: FIVE_MINUTES,
          label: 'keys held (max)',
        }),
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'Lambda p99 duration (ms)',
        lambdas.map((fn) => fn.metricDuration({ statistic: cloudwatch.Stats.p(99), period: FIVE_MINUTES })),
      ),
      graph(
        'Lambda throttles and errors',
        lambdas.flatMap((fn) => [
          fn.metricThrottles({ period: FIVE_MINUTES }),
          fn.metricErrors({ period: FIVE_MINUTES }),
        ]),
      ),
      graph(
        'API Gateway requests, 4XX, 5XX',
        [issuer.api, props.resourceApi].flatMap((api) => [
          api.deploymentStage.metricCount({ period: FIVE_MINUTES }),
          api.deploymentStage.metricClientError({ period: FIVE_MINUTES }),
          api.deploymentStage.metricServerError({ period: FIVE_MINUTES }),
        ]),
      ),
    );
  }
}
