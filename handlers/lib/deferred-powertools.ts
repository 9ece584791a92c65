// Powertools Logger and Metrics loaded after the authorizer's first answer instead of at init: no first
// request needs them (an allow logs at DEBUG, metrics publish once per interval), and importing them is a
// measured part of a cold start (`npm run bench -- cold-start`, docs/performance.md). Lines logged before
// the Logger is loaded are kept in order and written once it is.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import type { Metrics } from '@aws-lambda-powertools/metrics';

/** What the authorizer uses of a Logger: a Powertools Logger or a DeferredLogger. */
export type DecisionLogger = Pick<Logger, 'refreshSampleRateCalculation'> & {
  readonly level: number;
  debug(message: string, extra: LogAttributes): void;
  info(message: string, extra: LogAttributes): void;
  warn(message: string, extra: LogAttributes): void;
  error(message: string, extra: LogAttributes): void;
};

type Method = 'debug' | 'info' | 'warn' | 'error';

/** Lines kept while the Logger loads; the load starts on the first one, so a handful is the norm. */
const MAX_PENDING_LINES = 1000;

export class DeferredLogger implements DecisionLogger {
  #logger: Logger | undefined;
  #loading: Promise<void> | undefined;
  #scheduled = false;
  /** Lines written while held wait for release(): the load must not compete with a first request. */
  #held: boolean;
  readonly #pending: [Method, string, LogAttributes][] = [];
  #dropped = 0;

  /**
   * @param load builds the real Logger (a dynamic import, so the bundle evaluates Powertools only then)
   * @param initialLevel `level` until the Logger is loaded; lines below the real level are dropped by it
   * @param options.held lines written before release() do not start the load (init-time lines, such as the
   *   key store's, would otherwise load Powertools while the first request still waits for a download)
   */
  constructor(
    private readonly load: () => Promise<Logger>,
    private readonly initialLevel: number,
    options: { readonly held?: boolean } = {},
  ) {
    this.#held = options.held ?? false;
  }

  /** Lets pending and later lines load the Logger (after the first answer). */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    if (this.#pending.length > 0) this.#schedule();
  }

  #schedule(): void {
    // A macrotask: the current invocation answers first, then the Logger loads.
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => void this.loaded());
    }
  }

  get level(): number {
    return this.#logger ? this.#logger.level : this.initialLevel;
  }

  refreshSampleRateCalculation(): void {
    this.#logger?.refreshSampleRateCalculation();
  }

  debug(message: string, extra: LogAttributes): void {
    this.#write('debug', message, extra);
  }

  info(message: string, extra: LogAttributes): void {
    this.#write('info', message, extra);
  }

  warn(message: string, extra: LogAttributes): void {
    this.#write('warn', message, extra);
  }

  error(message: string, extra: LogAttributes): void {
    this.#write('error', message, extra);
  }

  /** Loads the Logger and writes every pending line (SIGTERM, tests). */
  loaded(): Promise<void> {
    this.#loading ??= this.load().then(
      (logger) => {
        this.#logger = logger;
        for (const [method, message, extra] of this.#pending) logger[method](message, extra);
        this.#pending.length = 0;
        if (this.#dropped > 0)
          logger.warn('log lines dropped while the logger loaded', { dropped: this.#dropped });
      },
      (err: unknown) => {
        // Only a broken bundle gets here; the decision path must not depend on its logs.
        process.stderr.write(`keygate: logger failed to load: ${(err as Error).message}\n`);
      },
    );
    return this.#loading;
  }

  #write(method: Method, message: string, extra: LogAttributes): void {
    if (this.#logger) {
      this.#logger[method](message, extra);
      return;
    }
    if (this.#pending.length >= MAX_PENDING_LINES) this.#dropped++;
    else this.#pending.push([method, message, extra]);
    if (!this.#held) this.#schedule();
  }
}

/** A Powertools Metrics built on the first publish (once per flush interval, or at shutdown). */
export class DeferredMetrics {
  #metrics: Metrics | undefined;
  #loading: Promise<Metrics> | undefined;
  /** The last publish waiting for the load (resolved once it is written). */
  #waiting: Promise<void> | undefined;
  readonly #load: () => Promise<Metrics>;

  /** @param source a Metrics to use as is, or its loader (a dynamic import) */
  constructor(source: Metrics | (() => Promise<Metrics>)) {
    if (typeof source === 'function') this.#load = source;
    else {
      this.#metrics = source;
      this.#load = () => Promise.resolve(source);
    }
  }

  /** Runs `publish` now when Metrics is loaded (undefined returned), else once it is. */
  use(publish: (metrics: Metrics) => void): Promise<void> | undefined {
    if (this.#metrics) {
      publish(this.#metrics);
      return undefined;
    }
    this.#loading ??= this.#load().then((metrics) => {
      this.#metrics = metrics;
      return metrics;
    });
    this.#waiting = this.#loading.then(publish, (err: unknown) => {
      process.stderr.write(`keygate: metrics failed to load: ${(err as Error).message}\n`);
    });
    return this.#waiting;
  }

  /** Resolves once every publish handed to use() so far is written. */
  idle(): Promise<void> | undefined {
    return this.#metrics ? undefined : this.#waiting;
  }
}
