// The AWS SDK client settings every admin command builds from its environment: the region, an endpoint for
// the service (AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL, as the SDK documents for service-specific
// endpoints: https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html) and static keys when
// both are set (the local stack's `export` line); otherwise the SDK's own credential chain.
export type AwsEnv = Readonly<Record<string, string | undefined>>;

/** The services the admin CLIs call, as they appear in AWS_ENDPOINT_URL_<SERVICE>. */
export type AwsService = 'DYNAMODB' | 'KMS' | 'API_GATEWAY' | 'CLOUDFORMATION' | 'LAMBDA';

export interface AwsClientConfig {
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export function awsClientConfig(env: AwsEnv, service: AwsService): AwsClientConfig {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL;
  return {
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } }
      : {}),
  };
}
