// The EMF metrics of a handler that publishes them only when POWERTOOLS_METRICS_NAMESPACE is set (the
// deployed functions: KeygateFunction sets it), named after its Powertools service.
import { Metrics } from '@aws-lambda-powertools/metrics';

export function metricsFromConfig(config: {
  readonly POWERTOOLS_METRICS_NAMESPACE: string | undefined;
  readonly POWERTOOLS_SERVICE_NAME: string;
}): Metrics | undefined {
  return config.POWERTOOLS_METRICS_NAMESPACE
    ? new Metrics({
        namespace: config.POWERTOOLS_METRICS_NAMESPACE,
        serviceName: config.POWERTOOLS_SERVICE_NAME,
      })
    : undefined;
}
