import type { FastifyBaseLogger } from "fastify";
import type { Bindings, ChildLoggerOptions, Level, Logger } from "pino";

/**
 * A request's logger, made on first use. Fastify makes a child logger for every request,
 * and a pino child costs an object, the serialization of its bindings and, on a route with
 * a level of its own (probes log at warn), a rebuild of every log method — on requests that
 * mostly log nothing at all. This one answers level checks from the parent's level table
 * and builds the real child only for a line that will be written.
 */
export class LazyRequestLogger {
  readonly #parent: Logger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions | undefined;
  /** The numeric level below which nothing is written, until the child exists. */
  readonly #threshold: number;
  #child: Logger | undefined;

  constructor(parent: Logger, bindings: Bindings, options: ChildLoggerOptions | undefined) {
    this.#parent = parent;
    this.#bindings = bindings;
    const hasOptions = options !== undefined && (options.level !== undefined || options.serializers !== undefined);
    this.#options = hasOptions ? options : undefined;
    this.#threshold =
      options?.level === undefined ? parent.levelVal : (parent.levels.values[options.level] ?? parent.levelVal);
  }

  #logger(): Logger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  get level(): string {
    return this.#child?.level ?? this.#options?.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#logger().level = level;
  }

  isLevelEnabled(level: string): boolean {
    if (this.#child !== undefined) return this.#child.isLevelEnabled(level);
    const value = this.#parent.levels.values[level];
    return value !== undefined && value >= this.#threshold;
  }

  #write(level: Level, args: unknown[]): void {
    if (!this.isLevelEnabled(level)) return;
    (this.#logger()[level] as (...line: unknown[]) => void)(...args);
  }

  fatal(...args: unknown[]): void {
    this.#write("fatal", args);
  }
  error(...args: unknown[]): void {
    this.#write("error", args);
  }
  warn(...args: unknown[]): void {
    this.#write("warn", args);
  }
  info(...args: unknown[]): void {
    this.#write("info", args);
  }
  debug(...args: unknown[]): void {
    this.#write("debug", args);
  }
  trace(...args: unknown[]): void {
    this.#write("trace", args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.#logger().child(bindings, options);
  }

  bindings(): Bindings {
    return this.#logger().bindings();
  }

  flush(callback?: (error?: Error) => void): void {
    this.#parent.flush(callback);
  }
}

/** Fastify's `childLoggerFactory`: every request gets a LazyRequestLogger over the app's pino logger. */
export const lazyRequestLoggers = (
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger =>
  new LazyRequestLogger(logger as unknown as Logger, bindings, options) as unknown as FastifyBaseLogger;
