// What the local stack lets tests and loads do beyond serving: redeploy a handler with other env, read the
// authorizer's live deps, stop and restart DynamoDB (the reliability suites' outage).
import type { AuthorizerDeps } from '../handlers/authorizer/handler.js';
import type { DynaliteServer } from './dynalite.js';
import type { HandlerEnv, LambdaName } from './lambdas.js';

export interface LocalStackTestHooks {
  /** Redeploys one handler: the stack's env (current keys included) with `extraEnv` on top. */
  deploy(name: LambdaName, extraEnv?: HandlerEnv): void;
  /** The deployed authorizer's live deps (key store and verifier stats). */
  authorizerDeps(): AuthorizerDeps;
  /** Stops DynamoDB (connections refused from now on); its data stays in the state directory. */
  stopDynamo(): Promise<void>;
  /** Starts DynamoDB again on the same port and state directory (in memory: empty). */
  startDynamo(): Promise<void>;
}

/**
 * The DynamoDB outage hooks, plus `close()` for whichever dynalite is running when the stack stops (created
 * as soon as the first one listens, so a failed start closes it too).
 */
export function createDynamoSwitch(
  dynamo: DynaliteServer,
  restartDynamo: () => Promise<DynaliteServer>,
): Pick<LocalStackTestHooks, 'stopDynamo' | 'startDynamo'> & { close(): Promise<void> } {
  let running: DynaliteServer | undefined = dynamo;
  return {
    async stopDynamo() {
      const current = running;
      running = undefined;
      await current?.close();
    },
    async startDynamo() {
      running ??= await restartDynamo();
    },
    async close() {
      await running?.close();
    },
  };
}
