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

/** An integer within [min, max]. */
export function int(opts: { default?: number; min: number; max: number }): Field<number> {
  return {
    parse(raw, name) {
      if (!present(raw)) {
        if (opts.default !== undefined) return opts.default;
        throw new ConfigFieldError(`${name} is required`);
      }
      const value = Number(raw.trim());
      if (
        !/^-?\d+$/.test(raw.trim()) ||
        !Number.isSafeInteger(value) ||
        value < opts.min ||
        value > opts.max
      ) {
        throw new ConfigFieldError(
          `${name} must be an integer from ${opts.min} to ${opts.max} (got "${raw.trim()}")`,
        );
      }
      return value;
    },
  };
}

/** true/false, 1/0, yes/no. */
export function bool(opts: { default: boolean }): Field<boolean> {
  return {
    parse(raw, name) {
      if (!present(raw)) return opts.default;
      const v = raw.trim().toLowerCase();
      if (v === 'true' || v === '1' || v === 'yes') return true;
      if (v === 'false' || v === '0' || v === 'no') return false;
      throw new ConfigFieldError(`${name} must be true or false`);
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
      if (!(values as readonly string[]).includes(v))
        throw new ConfigFieldError(`${name} must be one of ${values.join(', ')}`);
      return v as T;
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
