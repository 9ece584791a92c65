// The document publisher: what it stores (key, body, headers) for each document, which documents a change
// of the clients table republishes, and how a failed build or store surfaces.
import { describe, expect, it } from 'vitest';
import { KEY_STATE_ITEM_ID } from '../../../core/issuer/keys/key-state-item.js';
import {
  createDocumentPublisher,
  documentsForChangedItems,
  type ObjectStore,
  PublishError,
  type StoredObject,
} from '../../../core/publish/index.js';

function recordingStore(fail?: string): ObjectStore & { readonly stored: StoredObject[] } {
  const stored: StoredObject[] = [];
  return {
    stored,
    async put(object) {
      if (object.key === fail)
        throw new PublishError('store_failed', object.key, `S3 PutObject of ${object.key} failed`);
      stored.push(object);
    },
  };
}

const sources = {
  jwks: { maxAgeSeconds: 300, build: async () => '{"keys":[]}' },
  revocations: { maxAgeSeconds: 5, build: async () => '{"disabled":[],"revoked_at":{}}' },
};

describe('createDocumentPublisher', () => {
  it('stores every document under its key with application/json and its own max-age', async () => {
    const store = recordingStore();
    const published = await createDocumentPublisher({ store, sources }).publish();
    expect(published).toEqual([
      { name: 'jwks', key: 'jwks.json', bytes: 11 },
      { name: 'revocations', key: 'revocations.json', bytes: 31 },
    ]);
    expect(store.stored).toEqual([
      {
        key: 'jwks.json',
        body: '{"keys":[]}',
        contentType: 'application/json',
        cacheControl: 'public, max-age=300',
      },
      {
        key: 'revocations.json',
        body: '{"disabled":[],"revoked_at":{}}',
        contentType: 'application/json',
        cacheControl: 'public, max-age=5',
      },
    ]);
  });

  it('publishes only the documents named, once each', async () => {
    const store = recordingStore();
    await createDocumentPublisher({ store, sources }).publish(['revocations', 'revocations']);
    expect(store.stored.map((o) => o.key)).toEqual(['revocations.json']);
  });

  it('rejects with build_failed naming the document when its source fails, and still stores the other', async () => {
    const store = recordingStore();
    const failing = {
      ...sources,
      jwks: {
        maxAgeSeconds: 300,
        build: async () => {
          throw new Error('KMS down');
        },
      },
    };
    const err = await createDocumentPublisher({ store, sources: failing })
      .publish()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'PublishError', code: 'build_failed', document: 'jwks' });
    expect((err as Error).cause).toMatchObject({ message: 'KMS down' });
    expect(store.stored.map((o) => o.key)).toEqual(['revocations.json']);
  });

  it('rejects with the store’s store_failed', async () => {
    const err = await createDocumentPublisher({ store: recordingStore('jwks.json'), sources })
      .publish(['jwks'])
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'store_failed', document: 'jwks.json' });
  });
});

describe('documentsForChangedItems', () => {
  it.each([
    [['client-a'], ['revocations']],
    [['client-a', 'client-b'], ['revocations']],
    [[KEY_STATE_ITEM_ID], ['jwks', 'revocations']],
    [
      ['client-a', KEY_STATE_ITEM_ID],
      ['jwks', 'revocations'],
    ],
    [['#keygate/other'], []],
    [[], []],
  ])('%j changed: republishes %j', (ids, expected) => {
    expect(documentsForChangedItems(ids)).toEqual(expected);
  });
});
