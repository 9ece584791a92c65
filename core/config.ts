// One typed schema for configuration read from the environment, once, at module init.
// Every problem is collected and reported together so a misconfigured Lambda fails fast with one clear message.

import { ConfigError, ConfigFieldError } from './errors.js';
import { isHttpsOrLoopback } from './net.js';

export { ConfigError, ConfigFieldError };

type Parser<T> = (raw: string | undefined, name: string) => T;

export interface Field<T> {
  readonly parse: Parser<T>;
}

type Env = Readonly<Record<string, string | undefined>>;
export type ConfigOf<S extends Record<string, Field<unknown>>> = {
  readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never;
};

const present = (raw: string | undefined): raw is string => raw !== undefined && raw.trim() !== '';

/** A required (or defaulted) string, optionally constrained by a pattern. */
export function str(opts: { default?: string; pattern?: RegExp; hint?: string } = {}): Field<string> {
  return {
    parse(raw, name) {
      if (!present(raw)) {
        if (opts.default !== undefined) return opts.default;
        throw new ConfigFieldError(`${name} is required`);
      }
      const value = raw.trim();
      if (opts.pattern && !opts.pattern.test(value)) {
        throw new ConfigFieldError(`${name} must be ${opts.hint ?? `of the form ${opts.pattern}`}`);
      }
      return value;
    },
  };
}

/** An optional string: undefined when unset. */
export function optionalStr(): Field<string | undefined> {
  return { parse: (raw) => (present(raw) ? raw.trim() : undefined) };
}

/** An integer range with its default: one definition per setting, read by its env field and its typed check. */
export interface IntBounds {
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

/** The one message for a value that is not an integer within `bounds`. */
function intRangeMessage(name: string, bounds: Pick<IntBounds, 'min' | 'max'>, raw: string): string {
  return `${name} must be an integer from ${bounds.min} to ${bounds.max} (got "${raw}")`;
}

/** The problem with `value` as an integer within `bounds`, or undefined when it fits. */
export function intProblem(
  name: string,
  value: number,
  bounds: Pick<IntBounds, 'min' | 'max'>,
  raw: string = String(value),
): string | undefined {
  if (Number.isSafeInteger(value) && value >= bounds.min && value <= bounds.max) return undefined;
  return intRangeMessage(name, bounds, raw);
}

const INTEGER = /^-?\d+$/;

/** An integer within [min, max]. */
export function int(opts: { default?: number; min: number; max: number }): Field<number> {
  return {
    parse(raw, name) {
      if (!present(raw)) {
        if (opts.default !== undefined) return opts.default;
        throw new ConfigFieldError(`${name} is required`);
      }
      const text = raw.trim();
      const problem = intProblem(name, INTEGER.test(text) ? Number(text) : Number.NaN, opts, text);
      if (problem !== undefined) throw new ConfigFieldError(problem);
      return Number(text);
    },
  };
}

/**
 * An integer, or undefined when unset: only the syntax is checked here (with the range in the message), the
 * range and the default by the typed settings the value is handed to.
 */
export function optionalInt(bounds: Pick<IntBounds, 'min' | 'max'>): Field<number | undefined> {
  return {
    parse(raw, name) {
      if (!present(raw)) return undefined;
      const text = raw.trim();
      if (!INTEGER.test(text)) throw new ConfigFieldError(intRangeMessage(name, bounds, text));
      return Number(text);
    },
  };
}

/** One of a fixed set of values. */
export function oneOf<const T extends string>(values: readonly T[], opts: { default?: T } = {}): Field<T> {
  return {
    parse(raw, name) {
      if (!present(raw)) {
        if (opts.default !== undefined) return opts.default;
        throw new ConfigFieldError(`${name} is required`);
      }
      const v = raw.trim();
      const found = values.find((value) => value === v);
      if (found === undefined) throw new ConfigFieldError(`${name} must be one of ${values.join(', ')}`);
      return found;
    },
  };
}

/** A comma- or space-separated list of non-empty strings. */
export function list(opts: { default?: readonly string[]; min?: number } = {}): Field<readonly string[]> {
  return {
    parse(raw, name) {
      const items = present(raw) ? raw.split(/[\s,]+/).filter(Boolean) : [...(opts.default ?? [])];
      if (!present(raw) && opts.default === undefined) throw new ConfigFieldError(`${name} is required`);
      if (items.length < (opts.min ?? 0))
        throw new ConfigFieldError(`${name} needs at least ${opts.min} item(s)`);
      return items;
    },
  };
}

/**
 * An absolute URL: `https`, or `http` to a loopback host (the local stack) unless `allowHttpLoopback: false`.
 */
export function url(opts: { default?: string; allowHttpLoopback?: boolean } = {}): Field<string> {
  return {
    parse(raw, name) {
      const value = present(raw) ? raw.trim() : opts.default;
      if (value === undefined) throw new ConfigFieldError(`${name} is required`);
      let parsed: URL;
      try {
        parsed = new URL(value);
      } catch {
        throw new ConfigFieldError(`${name} must be an absolute URL`);
      }
      if (opts.allowHttpLoopback === false ? parsed.protocol !== 'https:' : !isHttpsOrLoopback(parsed)) {
        throw new ConfigFieldError(`${name} must use https (http is allowed only for loopback hosts)`);
      }
      return value;
    },
  };
}

/** Reads every field of `spec` from `env`, collecting all problems into one ConfigError. */
export function readConfig<S extends Record<string, Field<unknown>>>(
  spec: S,
  env: Env = process.env,
): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, field] of Object.entries(spec)) {
    try {
      out[name] = field.parse(env[name], name);
    } catch (err) {
      if (err instanceof ConfigFieldError) problems.push(err.message);
      else throw err;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as ConfigOf<S>;
}
