// The rotation waits follow the deployed settings: each wait moves with exactly the settings it depends on.
import { describe, expect, it } from 'vitest';
import { type RotationSettings, rotationWaits } from '../../../../core/issuer/keys/key-rotation-plan.js';

const DEPLOYED: RotationSettings = {
  jwksMaxAgeSeconds: 300,
  authorizerJwksMaxAgeSeconds: 600,
  authorizerRefetchCooldownSeconds: 30,
  maxTokenLifetimeSeconds: 3600,
  clockLeewaySeconds: 0,
  keyStateCacheSeconds: 10,
  keyTagPropagationSeconds: 300,
  marginSeconds: 60,
};

describe('rotationWaits', () => {
  it('computes the defaults’ waits: create 300 s, publish 700 s, retire 3670 s, disable 70 s', () => {
    expect(rotationWaits(DEPLOYED)).toEqual({
      createSeconds: 300,
      publishSeconds: 700,
      retireSeconds: 3670,
      disableSeconds: 70,
    });
  });

  it.each([
    [
      'a JWKS Cache-Control longer than the authorizer’s refresh',
      { jwksMaxAgeSeconds: 3600 },
      { publishSeconds: 3670 },
    ],
    ['a longer authorizer refresh age', { authorizerJwksMaxAgeSeconds: 900 }, { publishSeconds: 1000 }],
    ['a longer token lifetime', { maxTokenLifetimeSeconds: 7200 }, { retireSeconds: 7270 }],
    ['a clock leeway', { clockLeewaySeconds: 30 }, { retireSeconds: 3700 }],
    [
      'a longer key-state cache',
      { keyStateCacheSeconds: 30 },
      { publishSeconds: 720, retireSeconds: 3690, disableSeconds: 90 },
    ],
    [
      'a shorter tag propagation (the local KMS emulator)',
      { keyTagPropagationSeconds: 0 },
      { createSeconds: 0 },
    ],
    ['no margin', { marginSeconds: 0 }, { publishSeconds: 640, retireSeconds: 3610, disableSeconds: 10 }],
  ])('moves with %s', (_what, change, moved) => {
    expect(rotationWaits({ ...DEPLOYED, ...change })).toEqual({ ...rotationWaits(DEPLOYED), ...moved });
  });

  it.each([
    ['a negative', -1],
    ['a fractional', 1.5],
    ['a NaN', Number.NaN],
  ])('rejects %s setting', (_w, value) => {
    expect(() => rotationWaits({ ...DEPLOYED, maxTokenLifetimeSeconds: value })).toThrow(
      'maxTokenLifetimeSeconds must be a whole number ≥ 0',
    );
  });
});
