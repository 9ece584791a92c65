// A resource API the local stack serves from in-process Lambdas instead of an upstream: the caller brings its
// route table and the handlers behind it (e.g. the products sample in examples/ for `npm start` in a clone),
// so local/ never imports a sample. `keygate start` without --routes uses local/echo-demo.ts instead.
import type { LambdaFunction } from './gateway/index.js';
import type { GatewayRoute } from './gateway/router.js';

/** What a demo handler is built with on each (re)deploy. */
export interface LocalDemoDeploy {
  /** The stack's handler environment (issuer, audiences, leeway, ...), as the CDK stack sets it. */
  readonly env: Readonly<Record<string, string>>;
  /** Print the handler's logs (`npm start --verbose`). */
  readonly logs: boolean;
  /** Epoch-ms clock (LocalStackOptions.clocks.demo); absent: the handler's own (Date.now). */
  readonly now?: () => number;
}

export interface LocalDemo {
  /** The resource API: the gateway's resources and the authorizer's route table (`handler` names a handler). */
  readonly routes: readonly GatewayRoute[];
  /** One Lambda per handler name, rebuilt on each deploy ("new container"). */
  readonly handlers: Readonly<Record<string, (deploy: LocalDemoDeploy) => LambdaFunction>>;
}
