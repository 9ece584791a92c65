// The registry's clock: the `Date` header of DynamoDB's own answer to a write (RFC 9110 §6.6.1: an origin
// server with a clock sends Date), never the admin machine's clock. Revocation cutoffs are stamped with it.
// The AWS SDK samples the same header to correct its signing clock (AwsSdkSigV4Signer.successHandler and
// getUpdatedSystemClockOffset in aws/aws-sdk-js-v3 packages/core/src/submodules/httpAuthSchemes), but its
// offset is client-wide state; reading the header of the one response that applied our write is exact.
import { RegistryError } from './errors.js';

/** A command's own middleware stack (SDK v3 commands have one; the client's stack is left alone). */
interface MiddlewareCommand {
  readonly middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<{ response: unknown }>,
      ) => (args: unknown) => Promise<{ response: unknown }>,
      options: { step: 'deserialize'; name: string },
    ): void;
  };
}

/** The response's Date header, read in a deserialize-step middleware of this command only. */
export function captureServerDate<C extends object>(command: C): { command: C; seconds(): number } {
  let header: string | undefined;
  (command as unknown as MiddlewareCommand).middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const headers = (result.response as { headers?: Record<string, string | undefined> }).headers ?? {};
      header = headers.date ?? headers.Date;
      return result;
    },
    { step: 'deserialize', name: 'keygateServerDate' },
  );
  return {
    command,
    seconds() {
      const ms = header === undefined ? Number.NaN : Date.parse(header);
      if (Number.isNaN(ms)) {
        // Never fall back to the local clock: a cutoff from a skewed machine could miss tokens.
        throw new RegistryError(
          'dependency_unavailable',
          'DynamoDB answered without a valid Date header; the revocation time cannot be taken from the server',
        );
      }
      return Math.floor(ms / 1000);
    },
  };
}
