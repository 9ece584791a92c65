// A JWKS publisher that follows the key state: the document for the keys published now, rebuilt when
// the key state's published set changes (a rotation step), else served from the per-set publisher.
import { createJwksPublisher, type JwksPublisher, type JwksPublisherOptions } from './jwks-publisher.js';
import type { KeyStateSource } from './key-state-source.js';

export interface RotatingJwksPublisherOptions extends Omit<JwksPublisherOptions, 'keyIds'> {
  readonly keys: KeyStateSource;
}

export function createRotatingJwksPublisher(options: RotatingJwksPublisherOptions): JwksPublisher {
  const { keys, ...publisherOptions } = options;
  let current: { set: string; publisher: JwksPublisher } | undefined;
  return {
    async document() {
      const { publishedKeyIds } = await keys.current();
      const set = [...publishedKeyIds].sort().join(',');
      if (current?.set !== set) {
        current = { set, publisher: createJwksPublisher({ ...publisherOptions, keyIds: publishedKeyIds }) };
      }
      return current.publisher.document();
    },
  };
}
