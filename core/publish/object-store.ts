// Where published documents go: a port with one operation (put an object with its HTTP metadata), and its
// S3 adapter. The auth API reads the objects back through an API Gateway AWS-service integration (S3
// GetObject), which passes Content-Type, Cache-Control and ETag through (infra/lib/constructs/published-documents.ts).
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishError } from './errors.js';

export interface StoredObject {
  readonly key: string;
  readonly body: string;
  readonly contentType: string;
  readonly cacheControl: string;
}

export interface ObjectStore {
  put(object: StoredObject): Promise<void>;
}

export type S3Api = Pick<S3Client, 'send'>;

export interface S3ClientOptions {
  readonly region?: string;
  /** e.g. a test server's URL; otherwise the SDK reads AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL. */
  readonly endpoint?: string;
  /** Static credentials (tests: dummy ones); otherwise the default provider chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** SDK attempts including the first. @default 3 (the SDK's standard retry mode) */
  readonly maxAttempts?: number;
}

/** An S3 client for the publisher; path-style addressing when an endpoint is given (a local server). */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  return new S3Client({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 3,
  });
}

export interface S3ObjectStoreOptions {
  readonly s3: S3Api;
  readonly bucket: string;
}

/** PutObject with the document's headers as object metadata (S3 returns them on GetObject). */
export function createS3ObjectStore(options: S3ObjectStoreOptions): ObjectStore {
  return {
    async put(object) {
      try {
        await options.s3.send(
          new PutObjectCommand({
            Bucket: options.bucket,
            Key: object.key,
            Body: object.body,
            ContentType: object.contentType,
            CacheControl: object.cacheControl,
          }),
        );
      } catch (err) {
        const name = (err as { name?: string })?.name ?? 'Error';
        throw new PublishError('store_failed', object.key, `S3 PutObject of ${object.key} failed (${name})`, {
          cause: err,
        });
      }
    },
  };
}
