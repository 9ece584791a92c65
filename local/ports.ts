// The local stack's servers and their documented default ports (README "Run it locally"): a leaf that the
// stack's options and its errors both read, so neither has to import the other.

export const DEFAULT_PORTS = { auth: 4000, api: 4001, kms: 4002, dynamodb: 4003 } as const;

export type StackPortName = keyof typeof DEFAULT_PORTS;
