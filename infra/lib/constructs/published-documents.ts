// The documents the authorizer fetches at cold start (JWKS, revocation list), served by the auth API with no
// Lambda in the path: an API Gateway AWS-service integration reads each from S3 (GetObject, passing S3's
// Content-Type, Cache-Control and ETag through, and If-None-Match in), and a publisher Lambda writes them
// when they change: on every clients-table change (its DynamoDB stream, keys only) and at every deploy (a
// custom resource the publisher answers itself), so they exist before the API's stage does.
// docs/design.md#serving-the-cold-start-documents; AWS tutorial "Create a REST API as an Amazon S3 proxy",
// https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-s3.html
import { Aws, CustomResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { KEY_STATE_ITEM_ID } from '../../../core/issuer/keys/key-state-item.js';
import {
  type DocumentName,
  PUBLISH_LATENCY_BUDGET_SECONDS,
  PUBLISHED_DOCUMENTS,
} from '../../../core/publish/served-documents.js';
import type { RouteDef } from '../../../core/routes.js';
import { type FunctionOptions, KeygateFunction } from './keygate-function.js';
import { prebuiltCode, prebuiltCodeHash } from './lambda-code.js';

export interface PublishedDocumentsProps {
  readonly api: apigateway.RestApi;
  /** The routes serving a published document; each route's handler names the document. */
  readonly routes: readonly (RouteDef & { readonly handler: DocumentName })[];
  /** The clients table, with a stream: every change republishes the documents it affects. */
  readonly table: dynamodb.Table;
  /** The deployed signing key and any further keys to publish (before the first rotation). */
  readonly signingKey: kms.IKey;
  readonly additionalPublishedKeys: readonly kms.IKey[];
  /** TOKEN_MAX_LIFETIME_SECONDS, JWKS_MAX_AGE_SECONDS, REVOCATIONS_MAX_AGE_SECONDS. */
  readonly settings: Readonly<Record<string, string>>;
  /**
   * Grant reading the key-state item here. A KeyRotation grants it (with the rotated keys) to the function
   * building the JWKS; without one the item never exists, but the publisher still looks. @default true
   */
  readonly grantKeyStateRead?: boolean;
  /** Expiry of the documents bucket's server access logs. @default RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: logs.RetentionDays | undefined;
  readonly functionOptions: FunctionOptions;
}

/** 5xx from S3 (InternalError, SlowDown) clears by itself; anything else is our side, not the caller's. */
const S3_UNAVAILABLE = '5\\d{2}';
const S3_REFUSED = '4\\d{2}';

/**
 * The JWKS and the revocation list in a private S3 bucket, kept current by a publisher function and served
 * by the issuer's API through S3 integrations (KeygateIssuer.documents).
 */
export class PublishedDocuments extends Construct {
  /** Private bucket holding the documents (block public access, TLS only, SSE-S3). */
  readonly bucket: s3.Bucket;
  /** Server access logs of the documents bucket. */
  readonly accessLogs: s3.Bucket;
  /** Writes the documents (stream + deploy). */
  readonly publisher: KeygateFunction;
  /** The role API Gateway reads the documents with: s3:GetObject on the documents' keys only. */
  readonly readRole: iam.Role;
  /** The API methods serving the documents. */
  readonly methods: apigateway.Method[];

  constructor(scope: Construct, id: string, props: PublishedDocumentsProps) {
    super(scope, id);
    const fnOptions = props.functionOptions;
    const retentionDays = props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH;
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // Server access log delivery supports SSE-S3 only.
      encryption: s3.BucketEncryption.S3_MANAGED,
      ...(retentionDays === logs.RetentionDays.INFINITE
        ? {}
        : { lifecycleRules: [{ expiration: Duration.days(retentionDays) }] }),
      // Emptying a bucket at stack deletion needs a custom resource Lambda; the buckets stay instead.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Server access logs through a bucket policy for the logging service, scoped to this bucket and account
    // (what S3 recommends over the LogDeliveryWrite ACL CDK would otherwise set: "Enabling Amazon S3 server
    // access logging", https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
    const logPrefix = 'documents/';
    (this.bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
      destinationBucketName: this.accessLogs.bucketName,
      logFilePrefix: logPrefix,
    };
    this.accessLogs.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'S3ServerAccessLogs',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.accessLogs.arnForObjects(`${logPrefix}*`)],
        conditions: {
          ArnLike: { 'aws:SourceArn': this.bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        },
      }),
    );
    const objectArns = (names: readonly DocumentName[]) =>
      names.map((n) => this.bucket.arnForObjects(PUBLISHED_DOCUMENTS[n]));

    this.publisher = new KeygateFunction(this, 'PublisherFunction', {
      ...fnOptions,
      code: prebuiltCode('publisher'),
      description:
        'keygate document publisher (JWKS and revocation list to S3, on table changes and deploys)',
      serviceName: 'keygate-publisher',
      memorySize: 256,
      // A Scan, a few GetPublicKey calls and two PutObject calls, each with SDK retries.
      timeout: Duration.seconds(30),
      environment: {
        ...props.settings,
        DOCUMENTS_BUCKET: this.bucket.bucketName,
        CLIENTS_TABLE: props.table.tableName,
        SIGNING_KEY_ID: props.signingKey.keyArn,
        PUBLISHED_KEY_IDS: props.additionalPublishedKeys.map((k) => k.keyArn).join(','),
        // A rotation reads this from the function building the JWKS and waits it out after each key-state
        // change: here it is how late the published JWKS may follow one.
        KEY_STATE_CACHE_SECONDS: String(PUBLISH_LATENCY_BUDGET_SECONDS),
      },
    });
    // One publish at a time: two concurrent batches (two stream shards, or a deploy during a change) could
    // otherwise store an older Scan after a newer one. Throttled batches wait and are retried in order.
    (this.publisher.function.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = 1;
    const fn = this.publisher;
    fn.allow('PublishDocuments', ['s3:PutObject'], objectArns(['jwks', 'revocations']));
    fn.allow('ListRevocations', ['dynamodb:Scan'], [props.table.tableArn]);
    fn.allow(
      'ReadPublicKeys',
      ['kms:GetPublicKey'],
      [props.signingKey, ...props.additionalPublishedKeys].map((k) => k.keyArn),
    );
    if (props.grantKeyStateRead ?? true) {
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadKeyState',
          actions: ['dynamodb:GetItem'],
          resources: [props.table.tableArn],
          conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [KEY_STATE_ITEM_ID] } },
        }),
      );
    }
    const streamArn = props.table.tableStreamArn;
    if (!streamArn) throw new Error('the clients table needs a stream for the document publisher');
    // What Lambda's poller needs on the stream (AWS Lambda Developer Guide, "Using AWS Lambda with Amazon
    // DynamoDB", execution role permissions), on this stream only; CDK's grantStreamRead would add
    // dynamodb:ListStreams on `*`.
    fn.allow(
      'ReadTableStream',
      ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
      [streamArn],
    );
    const mapping = new lambda.EventSourceMapping(this, 'OnTableChange', {
      target: fn.function,
      eventSourceArn: streamArn,
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: 100,
      // No batching window: a revocation publishes as soon as Lambda's poller sees it.
      maxBatchingWindow: Duration.seconds(0),
    });
    mapping.node.addDependency(fn.role);

    // At every deploy that changes the publisher's code or settings: both documents, before the stage exists.
    const publishOnDeploy = new CustomResource(this, 'PublishOnDeploy', {
      serviceToken: fn.function.functionArn,
      resourceType: 'Custom::KeygatePublishedDocuments',
      properties: {
        codeSha256: prebuiltCodeHash('publisher'),
        ...props.settings,
        signingKeyId: props.signingKey.keyArn,
        publishedKeyIds: props.additionalPublishedKeys.map((k) => k.keyArn).join(','),
      },
    });
    publishOnDeploy.node.addDependency(fn.role);
    props.api.deploymentStage.node.addDependency(publishOnDeploy);

    this.readRole = new iam.Role(this, 'ReadRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'API Gateway reads the published documents (s3:GetObject on their keys only)',
    });
    this.readRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadPublishedDocuments',
        actions: ['s3:GetObject'],
        resources: objectArns(props.routes.map((r) => r.handler)),
      }),
    );
    this.methods = props.routes.map((route) =>
      props.api.root
        .resourceForPath(route.path)
        .addMethod(route.method, this.integration(PUBLISHED_DOCUMENTS[route.handler]), {
          authorizationType: apigateway.AuthorizationType.NONE,
          requestParameters: { 'method.request.header.If-None-Match': false },
          methodResponses: [
            { statusCode: '200', responseParameters: header(['Content-Type', 'Cache-Control', 'ETag']) },
            { statusCode: '304', responseParameters: header(['Cache-Control', 'ETag']) },
            { statusCode: '500', responseParameters: header(['Content-Type', 'Cache-Control']) },
            {
              statusCode: '503',
              responseParameters: header(['Content-Type', 'Cache-Control', 'Retry-After']),
            },
          ],
        }),
    );
  }

  /** GetObject of one key, the document's own headers passed through, S3's errors as RFC 6749 §5.2 bodies. */
  private integration(key: string): apigateway.AwsIntegration {
    const from = (names: string[]) =>
      Object.fromEntries(
        names.map((n) => [`method.response.header.${n}`, `integration.response.header.${n}`]),
      );
    const error = (status: 500 | 503, error: string, description: string) => ({
      statusCode: String(status),
      responseParameters: {
        'method.response.header.Content-Type': "'application/json'",
        'method.response.header.Cache-Control': "'no-store'",
        ...(status === 503 ? { 'method.response.header.Retry-After': "'5'" } : {}),
      },
      responseTemplates: {
        'application/json': JSON.stringify({ error, error_description: description }),
      },
    });
    return new apigateway.AwsIntegration({
      service: 's3',
      integrationHttpMethod: 'GET',
      path: `${this.bucket.bucketName}/${key}`,
      options: {
        credentialsRole: this.readRole,
        requestParameters: {
          'integration.request.header.If-None-Match': 'method.request.header.If-None-Match',
        },
        integrationResponses: [
          { statusCode: '200', responseParameters: from(['Content-Type', 'Cache-Control', 'ETag']) },
          { statusCode: '304', selectionPattern: '304', responseParameters: from(['Cache-Control', 'ETag']) },
          {
            ...error(503, 'temporarily_unavailable', 'the document is temporarily unavailable'),
            selectionPattern: S3_UNAVAILABLE,
          },
          { ...error(500, 'server_error', 'the document cannot be served'), selectionPattern: S3_REFUSED },
        ],
      },
    });
  }
}

const header = (names: readonly string[]) =>
  Object.fromEntries(names.map((n) => [`method.response.header.${n}`, true]));
