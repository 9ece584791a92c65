// Publishes the documents the authorizer fetches (served-documents.ts) to an object store: built from the
// current state, stored with their headers. Which documents a change of the clients table touches is decided
// here too: the key-state item changes the published keys, any other item the revocation list.
import { isReservedItemId, KEY_STATE_ITEM_ID } from '../issuer/keys/key-state-item.js';
import { PublishError } from './errors.js';
import type { ObjectStore } from './object-store.js';
import {
  DOCUMENT_CONTENT_TYPE,
  DOCUMENT_NAMES,
  type DocumentName,
  documentCacheControl,
  PUBLISHED_DOCUMENTS,
} from './served-documents.js';

export interface DocumentSource {
  /** The body as served now (read from the current state). */
  build(): Promise<string>;
  /** Its Cache-Control max-age. */
  readonly maxAgeSeconds: number;
}

export interface DocumentPublisherOptions {
  readonly store: ObjectStore;
  readonly sources: Readonly<Record<DocumentName, DocumentSource>>;
}

export interface PublishedDocument {
  readonly name: DocumentName;
  readonly key: string;
  readonly bytes: number;
}

export interface DocumentPublisher {
  /** Builds and stores each named document (all when none are named); rejects with the first PublishError. */
  publish(names?: readonly DocumentName[]): Promise<PublishedDocument[]>;
}

export function createDocumentPublisher(options: DocumentPublisherOptions): DocumentPublisher {
  async function publishOne(name: DocumentName): Promise<PublishedDocument> {
    const key = PUBLISHED_DOCUMENTS[name];
    const source = options.sources[name];
    let body: string;
    try {
      body = await source.build();
    } catch (err) {
      throw new PublishError('build_failed', name, `the ${name} document could not be built`, { cause: err });
    }
    await options.store.put({
      key,
      body,
      contentType: DOCUMENT_CONTENT_TYPE,
      cacheControl: documentCacheControl(source.maxAgeSeconds),
    });
    return { name, key, bytes: Buffer.byteLength(body) };
  }

  return {
    async publish(names = DOCUMENT_NAMES) {
      const unique = DOCUMENT_NAMES.filter((n) => names.includes(n));
      // Independent documents: one failing does not hold the other back, but the call still fails.
      const results = await Promise.allSettled(unique.map(publishOne));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      return results.map((r) => (r as PromiseFulfilledResult<PublishedDocument>).value);
    },
  };
}

/**
 * The documents a change of these clients-table items affects: a client item may change who is disabled or
 * revoked (the revocation list); the key-state item changes the published keys, which both documents may
 * carry (the JWKS, and the revocation list as the authorizer's one cold-start document). Key changes are a
 * few per rotation, so republishing both costs nothing. Other reserved items affect neither.
 */
export function documentsForChangedItems(itemIds: readonly string[]): DocumentName[] {
  const out = new Set<DocumentName>();
  for (const id of itemIds) {
    if (id === KEY_STATE_ITEM_ID) {
      out.add('jwks');
      out.add('revocations');
    } else if (!isReservedItemId(id)) out.add('revocations');
  }
  return DOCUMENT_NAMES.filter((n) => out.has(n));
}
