// A Signer that follows the key state: each token is signed by the key in force when it is minted, with
// the `kid` of that same key (one KmsSigner per key ARN, so each key's public key is fetched once).

import type { ActiveKey, Signer } from '../types.js';
import type { KeyStateSource } from './key-state-source.js';
import { createKmsSigner, type KmsSigner, type KmsSignerOptions } from './kms-signer.js';

export interface RotatingSignerOptions extends Omit<KmsSignerOptions, 'keyId'> {
  readonly keys: KeyStateSource;
}

export function createRotatingSigner(options: RotatingSignerOptions): Signer {
  const { keys, ...kmsOptions } = options;
  // A rotation adds one key every 90 days: the map stays tiny, and retired entries are dropped below.
  const signers = new Map<string, KmsSigner>();
  const signerFor = (keyId: string): KmsSigner => {
    let signer = signers.get(keyId);
    if (!signer) {
      for (const old of signers.keys()) if (old !== keyId) signers.delete(old);
      signer = createKmsSigner({ ...kmsOptions, keyId });
      signers.set(keyId, signer);
    }
    return signer;
  };
  const activeKey = async (): Promise<ActiveKey> => {
    const signer = signerFor((await keys.current()).signingKeyId);
    const kid = await signer.getKid();
    return { kid, sign: (input) => signer.sign(input) };
  };

  return {
    activeKey,
    async getKid() {
      return (await activeKey()).kid;
    },
    async sign(signingInput) {
      return (await activeKey()).sign(signingInput);
    },
  };
}
