import { createRequire } from "node:module";
import type { Writable } from "node:stream";
import { type DestinationStream, type Logger, pino } from "pino";
import type { PinoPretty } from "pino-pretty";
import type { Config } from "../../config/settings/index.ts";
import { redactSensitive } from "./redact.ts";

export type { Logger } from "pino";

/**
 * The process logger. `destination` lets tests capture lines; production writes JSON to
 * stdout. Pretty output is formatted in-process (no worker thread) so nothing is lost when
 * the process exits right after logging.
 */
export function createLogger(
  config: Pick<Config, "LOG_LEVEL" | "LOG_FORMAT">,
  destination?: Writable,
  /** Fields added to every line, e.g. the active trace id when tracing is on. */
  mixin?: () => Record<string, unknown>,
): Logger {
  const stream =
    config.LOG_FORMAT === "pretty"
      ? prettyPrinter()({
          colorize: destination === undefined && process.stdout.isTTY,
          destination: destination ?? 1,
          sync: true,
        })
      : (destination ?? bufferedStdout());
  return pino(
    {
      level: config.LOG_LEVEL,
      base: { pid: process.pid },
      ...(mixin ? { mixin } : {}),
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactSensitive(object) as Record<string, unknown>,
      },
      serializers: {
        err: pino.stdSerializers.err,
      },
    },
    stream,
  );
}

// Loaded only when asked for: production logs JSON, and the pretty printer and its
// dependencies cost memory and start time in every process that never uses them.
const require = createRequire(import.meta.url);
const prettyPrinter = (): typeof PinoPretty => (require("pino-pretty") as { PinoPretty: typeof PinoPretty }).PinoPretty;

/** How long a line may wait in the buffer on a quiet server before it is written anyway. */
const FLUSH_INTERVAL_MS = 1000;

/**
 * Buffered writes: one write(2) per 4 KiB instead of per line (20% of CPU at load
 * otherwise). A quiet server would keep its last lines (e.g. "rampart listening")
 * buffered indefinitely, so the buffer is also flushed every second. Shutdown and fatal
 * paths call flush(), and pino flushes its destination synchronously on exit, so buffered
 * lines are not lost on a normal exit.
 *
 * Lines are buffered as bytes (sonic-boom's buffer mode), each encoded once. In its text
 * mode sonic-boom appends every line to one pending string and measures that whole string
 * again (Buffer.byteLength), which flattens it: each line copied the 4 KiB built so far,
 * about 2 KiB of garbage and a scan per request (docs/benchmarks.md, tenth session).
 */
function bufferedStdout(): DestinationStream & { flush(callback?: (error?: Error) => void): void } {
  const bytes = pino.destination({ fd: 1, sync: false, minLength: 4096, contentMode: "buffer" });
  const timer = setInterval(() => {
    // Ignores "not ready yet" and an empty buffer alike; the next tick tries again.
    try {
      bytes.flush();
    } catch {}
  }, FLUSH_INTERVAL_MS);
  timer.unref();
  // sonic-boom's types describe its text mode only; in buffer mode write() takes bytes.
  const writeBytes = bytes.write.bind(bytes) as unknown as (chunk: Buffer) => boolean;
  return {
    write: (line) => writeBytes(Buffer.from(line)),
    // pino's logger.flush() calls its destination's flush.
    flush: (callback) => bytes.flush(callback),
  };
}
