// Finds the deployed stack's URLs in the CDK outputs file (`cdk deploy --outputs-file load/outputs.json`)
// for the k6 scripts; env overrides win. No imports: k6 loads this file as is.

export interface LoadTargets {
  /** Resource API base URL (stage URL, no trailing slash). */
  readonly apiUrl: string;
  readonly tokenUrl: string;
  readonly jwksUrl?: string;
  readonly issuer?: string;
}

/** `{ "<StackName>": { "<OutputKey>": "<value>" } }`, as `cdk deploy --outputs-file` writes it. */
export type CdkOutputs = Readonly<Record<string, Readonly<Record<string, string>>>>;

export interface TargetEnv {
  readonly API_URL?: string;
  readonly TOKEN_URL?: string;
  readonly JWKS_URL?: string;
  readonly ISSUER?: string;
  readonly STACK?: string;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/**
 * Output keys are matched loosely because CDK appends construct-path hashes to nested outputs
 * (`AuthServerTokenUrl1A2B3C4D`): TokenUrl, JwksUrl, IssuerUrl/Issuer, and ApiUrl (not the auth API's).
 */
export function resolveTargets(outputs: CdkOutputs | undefined, env: TargetEnv): LoadTargets {
  const stacks = outputs ? Object.entries(outputs) : [];
  const chosen = env.STACK ? stacks.filter(([name]) => name === env.STACK) : stacks;
  if (env.STACK && chosen.length === 0) throw new Error(`stack "${env.STACK}" is not in the outputs file`);
  const values = chosen.flatMap(([, o]) => Object.entries(o));
  const find = (test: (key: string) => boolean) => values.find(([k]) => test(k.toLowerCase()))?.[1];
  const issuer = env.ISSUER ?? find((k) => k.includes('issuer'));
  const tokenUrl =
    env.TOKEN_URL ??
    find((k) => k.includes('tokenurl')) ??
    (issuer ? `${trimSlash(issuer)}/oauth2/token` : undefined);
  const apiUrl = env.API_URL ?? find((k) => k.includes('apiurl') && !k.includes('auth'));
  const jwksUrl = env.JWKS_URL ?? find((k) => k.includes('jwksurl'));
  const missing = [
    !apiUrl && 'API URL (output ApiUrl or env API_URL)',
    !tokenUrl && 'token URL (output TokenUrl or env TOKEN_URL)',
  ];
  const problems = missing.filter((m): m is string => typeof m === 'string');
  if (problems.length > 0) {
    throw new Error(
      `cannot find the ${problems.join(' and ')}; run \`npm run deploy\` to write load/outputs.json`,
    );
  }
  return {
    apiUrl: trimSlash(apiUrl!),
    tokenUrl: tokenUrl!,
    ...(jwksUrl ? { jwksUrl } : {}),
    ...(issuer ? { issuer } : {}),
  };
}
