// Invokes a Lambda handler in-process the way the Lambda runtime does for API Gateway: a Context with a
// deadline, async or callback style, the result passed through JSON (what crosses the Lambda boundary),
// and a hard time limit (API Gateway stops waiting at 29 s even if the function runs on).
import { randomUUID } from 'node:crypto';
import type { Callback, Context } from 'aws-lambda';
import { InvocationTimeout } from './errors.js';

/** Any Lambda handler shape: async `(event, context)` or callback `(event, context, callback)`. */
// biome-ignore lint/suspicious/noExplicitAny: handlers declare their own event/result types.
export type LambdaFunction = (event: any, context: Context, callback: Callback<any>) => unknown;

export interface InvokeOptions {
  readonly functionName: string;
  readonly timeoutMs: number;
  readonly region: string;
  readonly accountId: string;
}

export function createContext(opts: InvokeOptions, deadline: number): Context {
  const fail = () => {
    throw new Error('context.done/succeed/fail are not supported: return a value or use the callback');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: opts.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${opts.region}:${opts.accountId}:function:${opts.functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${opts.functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: fail,
    fail,
    succeed: fail,
  };
}

/**
 * Runs `fn(event)` and resolves with its JSON-round-tripped result. Rejects with what the function threw
 * (or passed to the callback), or with InvocationTimeout.
 */
export function invokeLambda(fn: LambdaFunction, event: unknown, opts: InvokeOptions): Promise<unknown> {
  const deadline = Date.now() + opts.timeoutMs;
  return new Promise<unknown>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => settle(new InvocationTimeout(opts.timeoutMs)), opts.timeoutMs);
    function settle(err: unknown, value?: unknown) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err !== undefined && err !== null) {
        reject(err);
        return;
      }
      try {
        // What a Lambda returns is JSON on the wire: undefined members vanish, Dates become strings,
        // a cyclic or BigInt result is an invocation error.
        resolve(value === undefined ? null : JSON.parse(JSON.stringify(value)));
      } catch (e) {
        reject(e);
      }
    }
    try {
      const callback: Callback<unknown> = (err, result) => settle(err ?? undefined, result);
      const out = fn(event, createContext(opts, deadline), callback);
      if (out !== null && typeof out === 'object' && typeof (out as Promise<unknown>).then === 'function') {
        (out as Promise<unknown>).then(
          (v) => settle(undefined, v),
          (e: unknown) => settle(e ?? new Error('handler rejected')),
        );
      } else if (out !== undefined) {
        settle(undefined, out);
      } else if (fn.length < 3) {
        // A non-async handler that takes no callback and returns nothing: Lambda returns null.
        settle(undefined, null);
      }
    } catch (e) {
      settle(e ?? new Error('handler threw'));
    }
  });
}
