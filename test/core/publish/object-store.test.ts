// The S3 adapter of the object store against a server speaking S3's PutObject wire protocol, with the real
// @aws-sdk/client-s3: path, body, the headers S3 keeps as object metadata, SigV4, and a refused write.
import { afterEach, describe, expect, it } from 'vitest';
import { createS3ObjectStore, PublishError } from '../../../core/publish/index.js';
import { localS3, startTestS3 } from '../../support/s3-server.js';
import { testServers } from '../../support/test-servers.js';

const servers = testServers();
afterEach(() => servers.closeAll());

const object = {
  key: 'revocations.json',
  body: '{"disabled":[],"revoked_at":{}}',
  contentType: 'application/json',
  cacheControl: 'public, max-age=5',
};

describe('createS3ObjectStore', () => {
  it('PUTs the body to /{bucket}/{key} with Content-Type and Cache-Control, signed with SigV4', async () => {
    const s3 = await startTestS3(servers);
    await createS3ObjectStore({ s3: localS3(s3.endpoint), bucket: 'docs' }).put(object);
    expect(s3.puts).toHaveLength(1);
    const [put] = s3.puts;
    expect(put).toMatchObject({ method: 'PUT', path: '/docs/revocations.json', body: object.body });
    expect(put!.headers['content-type']).toBe('application/json');
    expect(put!.headers['cache-control']).toBe('public, max-age=5');
    expect(put!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDLOCAL\/\d{8}\/us-east-1\/s3\//,
    );
  });

  it.each([
    [503, 'SlowDown'],
    [403, 'AccessDenied'],
  ])('turns an S3 %i %s into PublishError store_failed naming the key', async (status, code) => {
    const s3 = await startTestS3(servers);
    s3.fault = { status, code };
    const err = await createS3ObjectStore({ s3: localS3(s3.endpoint), bucket: 'docs' })
      .put(object)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect(err).toMatchObject({ code: 'store_failed', document: 'revocations.json' });
    expect((err as Error).message).toBe(`S3 PutObject of revocations.json failed (${code})`);
  });
});
