// An in-process RS256 Signer over a node:crypto private key: the baseline the KMS signer is measured
// against, and a signer for tests that are not about KMS.
import { createPublicKey, type KeyObject, sign } from 'node:crypto';
import type { Signer } from '../../core/issuer/types.js';
import { toRsaPublicJwk } from '../../core/jwk.js';

export function createLocalSigner(privateKey: KeyObject): Signer & { readonly calls: () => number } {
  const kid = toRsaPublicJwk(createPublicKey(privateKey)).kid;
  let calls = 0;
  return {
    getKid: async () => kid,
    sign: async (signingInput) => {
      calls += 1;
      return sign('sha256', signingInput, privateKey);
    },
    calls: () => calls,
  };
}
