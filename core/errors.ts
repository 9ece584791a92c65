// The one shape every keygate error has: a stable string `code` from its area's union (tests, logs and
// metrics key on it), an optional `cause` (ErrorOptions), and `name` = the concrete class name. Each area
// declares its codes and classes in its own errors.ts; configuration errors live here.

/**
 * The base class of every error keygate throws: `instanceof KeygateError` tells keygate's errors from others.
 * `code` is stable (logs, metrics and callers key on it); `message` is for people and may change.
 */
export abstract class KeygateError<Code extends string = string> extends Error {
  constructor(
    /** The stable reason, one of the concrete class's codes. */
    readonly code: Code,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Configuration read from the environment is invalid; `problems` lists every field at once. */
export class ConfigError extends KeygateError<'config_invalid'> {
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super('config_invalid', `invalid configuration: ${problems.join('; ')}`, options);
  }
}

/**
 * One configuration field is missing or invalid (what a Field's parse throws); readConfig collects every
 * field's message into one ConfigError.
 */
export class ConfigFieldError extends KeygateError<'config_field_invalid'> {
  constructor(message: string, options?: ErrorOptions) {
    super('config_field_invalid', message, options);
  }
}
