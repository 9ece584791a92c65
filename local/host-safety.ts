// Which addresses the local stack may listen on. The KMS emulator accepts any SigV4-shaped signature (anyone
// who reaches it can mint tokens), dynalite has no authentication at all, and the gateway's admin
// endpoints flush caches: on a non-loopback address they are open to the network. So a non-loopback
// --host needs --allow-remote (and prints a warning), and those three stay on loopback unless
// --expose-internals asks otherwise.
import { isLoopbackHost } from '../core/net.js';

export interface HostFlags {
  readonly host: string;
  readonly allowRemote?: boolean;
  readonly exposeInternals?: boolean;
}

export type HostCheck =
  | { readonly ok: true; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly error: string };

/** A peer address as node reports it (`::ffff:127.0.0.1` for IPv4 on a dual-stack socket). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  return isLoopbackHost(address.startsWith('::ffff:') ? address.slice(7) : address);
}

/** Refuses a non-loopback host without --allow-remote; otherwise the warnings to print. */
export function checkHostFlags(flags: HostFlags): HostCheck {
  const remote = !isLoopbackHost(flags.host);
  if (remote && !flags.allowRemote) {
    return {
      ok: false,
      error: `--host ${flags.host} is reachable from the network; pass --allow-remote to listen there anyway`,
    };
  }
  const warnings: string[] = [];
  if (remote) {
    warnings.push(
      `warning: the auth and resource APIs listen on ${flags.host}: anyone who reaches it can call them over plain HTTP`,
    );
    warnings.push(
      flags.exposeInternals
        ? 'warning: --expose-internals: the KMS emulator (anyone can sign tokens), dynalite (no authentication) and the admin endpoints are reachable from the network too'
        : 'the KMS emulator, dynalite and the admin endpoints stay on 127.0.0.1 (--expose-internals to change that)',
    );
  }
  return { ok: true, warnings };
}
