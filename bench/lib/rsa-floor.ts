// The floors the RS256 suites compare against: node:crypto's verify over a KeyObject on the token's signing
// input, with no parsing or claim checks (no verifier built on crypto.verify can beat it; keygate's own RSA
// check, core/jwt/rs256-verify.ts, is a few percent cheaper: docs/performance.md), and node:crypto's sign
// of that input with the issuer's private key (the local signing floor: no issuer can mint faster). Ratios
// say what the rest costs.
import { type KeyObject, sign, verify } from 'node:crypto';
import type { InterleavedTask } from '../../measure/interleaved.js';

export const RSA_FLOOR = 'raw crypto.verify, KeyObject (floor)';
export const RSA_SIGN_FLOOR = 'local RS256 sign, same key (floor)';

/** Each compact JWS split into what RS256 signs (header.payload) and the decoded signature. */
export function signingInputs(tokens: readonly string[]): { data: Buffer; sig: Buffer }[] {
  return tokens.map((t) => {
    const dot = t.lastIndexOf('.');
    return { data: Buffer.from(t.slice(0, dot)), sig: Buffer.from(t.slice(dot + 1), 'base64url') };
  });
}

/** The floor task: `batch` signatures per call, cycling through `tokens` (compact JWS strings). */
export function rsaFloorTask(
  tokens: readonly string[],
  publicKey: KeyObject,
  batch: number,
): InterleavedTask {
  const inputs = signingInputs(tokens);
  let i = 0;
  return {
    name: RSA_FLOOR,
    batch,
    fn: () => {
      for (let n = 0; n < batch; n++) {
        const input = inputs[i]!;
        if (!verify('sha256', input.data, publicKey, input.sig)) throw new Error('floor verify failed');
        i = (i + 1) % inputs.length;
      }
    },
  };
}

/** The signing floor: one RS256 signature of `signingInput` (a token's header.payload) per call. */
export function rsaSignFloorTask(signingInput: Buffer, privateKey: KeyObject): InterleavedTask {
  return {
    name: RSA_SIGN_FLOOR,
    fn: () => {
      sign('sha256', signingInput, privateKey);
    },
  };
}
