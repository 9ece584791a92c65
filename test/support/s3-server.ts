// A test server on 127.0.0.1 (port 0) speaking the part of the S3 REST protocol the publisher uses:
// PutObject (`PUT /{bucket}/{key}`, path-style) answered 200 with an ETag, or an S3 XML error when a
// fault is set. It records every request so tests assert exactly what the real @aws-sdk/client-s3 sent.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { createS3Client } from '../../core/publish/index.js';
import type { TestServers } from './test-servers.js';

export interface S3Put {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface TestS3 {
  readonly endpoint: string;
  readonly puts: S3Put[];
  /** The last body stored under `/{bucket}/{key}`. */
  object(bucket: string, key: string): S3Put | undefined;
  /** Answer every request with this S3 error until cleared. */
  fault: { status: number; code: string } | undefined;
}

export async function startTestS3(servers: TestServers): Promise<TestS3> {
  const state: TestS3 = {
    endpoint: '',
    puts: [],
    fault: undefined,
    object: (bucket, key) => state.puts.findLast((p) => p.path === `/${bucket}/${key}`),
  };
  const url = await servers.http((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (state.fault) {
        res.writeHead(state.fault.status, { 'Content-Type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${state.fault.code}</Code></Error>`);
        return;
      }
      // The SDK adds `?x-id=PutObject`; S3 routes by the path.
      const path = new URL(req.url ?? '/', 'http://s3').pathname;
      state.puts.push({ method: req.method ?? '', path, headers: req.headers, body });
      res.writeHead(200, { ETag: `"${createHash('md5').update(body).digest('hex')}"` });
      res.end();
    });
  }, '');
  return Object.assign(state, { endpoint: url });
}

/** createS3Client against the test server: us-east-1, dummy SigV4 credentials, no SDK retries. */
export const localS3 = (endpoint: string) =>
  createS3Client({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    maxAttempts: 1,
  });
