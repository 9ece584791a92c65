// A small closed-loop load driver for fault tests (N workers, each issuing requests back to back), the
// statistics the report needs (percentiles, Mann-Whitney U, two-sample KS), and the recorder that prints
// each scenario's measured outcome and writes it to load/results/reliability/ for docs/reliability.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { basicAuth } from '../../support/basic-auth.js';

/** KEYGATE_SOAK=1 runs every load phase 10x longer (a soak); the default keeps the suite to seconds. */
export const SOAK = process.env.KEYGATE_SOAK === '1' ? 10 : 1;

export interface LoadTally {
  readonly total: number;
  /** Requests per outcome label the step returned. */
  readonly counts: Record<string, number>;
  readonly latenciesMs: number[];
  readonly elapsedMs: number;
}

/**
 * Runs `step` from `concurrency` workers until `durationMs` passes (or `stop()` turns true). Each step
 * returns an outcome label; a thrown error counts as `threw:<message>` (a test asserts there are none).
 */
export async function drive(opts: {
  readonly concurrency: number;
  readonly durationMs: number;
  readonly step: (n: number) => Promise<string>;
  readonly stop?: () => boolean;
}): Promise<LoadTally> {
  const counts: Record<string, number> = {};
  const latenciesMs: number[] = [];
  const started = performance.now();
  const deadline = started + opts.durationMs * SOAK;
  let n = 0;
  const worker = async () => {
    while (performance.now() < deadline && !opts.stop?.()) {
      const i = n++;
      const t = performance.now();
      let label: string;
      try {
        label = await opts.step(i);
      } catch (err) {
        label = `threw:${(err as Error).message?.slice(0, 80)}`;
      }
      latenciesMs.push(performance.now() - t);
      counts[label] = (counts[label] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { total: n, counts, latenciesMs, elapsedMs: performance.now() - started };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 erf approximation, |error| < 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Two-sided Mann-Whitney U test, normal approximation with tie correction (fine for n >= 20 per group). */
export function mannWhitneyU(
  a: readonly number[],
  b: readonly number[],
): { u: number; z: number; p: number } {
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[k] = rank;
    const t = j - i + 1;
    tieTerm += t ** 3 - t;
    i = j + 1;
  }
  let rankSumA = 0;
  all.forEach((x, i) => {
    if (x.g === 0) rankSumA += ranks[i]!;
  });
  const n1 = a.length;
  const n2 = b.length;
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const n = n1 + n2;
  const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const z = sd === 0 ? 0 : (u - mean) / sd;
  return { u, z, p: 2 * (1 - normalCdf(Math.abs(z))) };
}

/** Two-sample Kolmogorov-Smirnov statistic D and its asymptotic two-sided p-value. */
export function ksTest(a: readonly number[], b: readonly number[]): { d: number; p: number } {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const ne = (x.length * y.length) / (x.length + y.length);
  const lambda = (Math.sqrt(ne) + 0.12 + 0.11 / Math.sqrt(ne)) * d;
  let p = 0;
  for (let k = 1; k <= 100; k++) p += 2 * (-1) ** (k - 1) * Math.exp(-2 * k * k * lambda * lambda);
  return { d, p: Math.min(1, Math.max(0, p)) };
}

/** One row of docs/reliability.md. */
export interface ScenarioRecord {
  readonly scenario: string;
  readonly load: string;
  readonly faults: string;
  readonly requests: number;
  /** Requests that should have succeeded and did not. */
  readonly failed: number;
  /** Requests that should have been refused, and how many were. */
  readonly shouldFail: number;
  readonly didFail: number;
  readonly details: Record<string, unknown>;
  readonly command: string;
}

// Beside the load results (git-ignored): measured output, not source.
const RESULTS_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'load',
  'results',
  'reliability',
);

export function record(name: string, row: ScenarioRecord): void {
  console.log(`[reliability] ${name}: ${JSON.stringify(row)}`);
  // Files only on request (they feed docs/reliability.md), so ordinary test runs leave the tree clean.
  if (process.env.KEYGATE_RELIABILITY_RESULTS !== '1') return;
  try {
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(
      join(RESULTS_DIR, `${name}.json`),
      `${JSON.stringify({ ...row, at: new Date().toISOString() }, null, 2)}\n`,
    );
  } catch {
    // Results are a report aid; a read-only checkout must not fail the test.
  }
}

export const basic = basicAuth;

/** POST /oauth2/token with client_secret_basic; resolves status, parsed body and headers. */
export async function requestToken(
  tokenUrl: string,
  client: { id: string; secret: string },
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basic(client.id, client.secret),
    },
    body: 'grant_type=client_credentials',
  });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { unparsable: text.slice(0, 200) };
  }
  return { status: res.status, body, headers: res.headers };
}
