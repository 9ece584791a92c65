// One parser for whole-number CLI arguments (commander `argParser`), shared by every keygate CLI: digits
// only (no signs, exponents or blanks), within bounds, or a one-line usage error (exit code 2).
import { InvalidArgumentError } from 'commander';

/** A commander argument parser accepting integers from `min` to `max` (inclusive). */
export function integerArg(min: number, max: number = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
  return (raw) => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      throw new InvalidArgumentError(`must be an integer ${range}`);
    }
    return value;
  };
}
