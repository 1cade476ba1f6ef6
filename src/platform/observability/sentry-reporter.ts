import { randomUUID } from "node:crypto";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "../logging/logger.ts";

/** The checkout or image directory Rampart runs from: frames are reported relative to it. */
export const APP_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** What is reported about one failed request: the error and where it happened, nothing from the request itself. */
export interface ErrorReport {
  readonly error: unknown;
  readonly requestId: string;
  readonly method: string;
  readonly route: string;
  readonly status: number;
  /** The request's trace, when tracing is on: the report links to it and it to the report. */
  readonly trace?: { readonly traceId: string; readonly spanId: string };
}

export interface ErrorReporter {
  /** Sends in the background; never throws, never waits. */
  report(report: ErrorReport): void;
  /** Waits for reports in flight (each bounded by its timeout). */
  flush(): Promise<void>;
}

export interface SentryReporterOptions {
  readonly dsn: string;
  readonly environment: string;
  readonly release: string;
  readonly timeoutMs: number;
  readonly logger: Logger;
}

// Reports beyond this many in flight are dropped: an error storm against a slow ingest must not pile up sockets.
const MAX_IN_FLIGHT = 20;

interface SentryTarget {
  readonly envelopeUrl: string;
  readonly auth: string;
}

/** https://<public key>@<host>[/<path>]/<project id> → the project's envelope endpoint and auth header. */
export function parseDsn(dsn: string, clientName: string): SentryTarget {
  const url = new URL(dsn);
  const segments = url.pathname.split("/").filter(Boolean);
  const projectId = segments.pop();
  if (!url.username || !projectId) throw new Error("SENTRY_DSN has no public key or project id");
  const prefix = segments.length > 0 ? `/${segments.join("/")}` : "";
  return {
    envelopeUrl: `${url.protocol}//${url.host}${prefix}/api/${projectId}/envelope/`,
    auth: `Sentry sentry_version=7, sentry_client=${clientName}, sentry_key=${url.username}`,
  };
}

/**
 * Credentials that show up inside error messages: URLs with a password (a database or
 * Redis URL in a connection error), bearer tokens, `password=…`-style pairs.
 */
export function scrubSecrets(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]*:[^\s/@]*@/gi, "$1[REDACTED]@")
    .replace(/\bBearer\s+\S+/gi, "Bearer [REDACTED]")
    .replace(/\b(pass(?:word)?|secret|token|api[-_]?key)(["']?\s*[=:]\s*["']?)[^\s"',;&]+/gi, "$1$2[REDACTED]");
}

interface SentryFrame {
  function?: string;
  filename: string;
  abs_path: string;
  lineno: number;
  colno: number;
  in_app: boolean;
}

const V8_FRAME = /^\s*at (?:(.+?) \()?(.+?):(\d+):(\d+)\)?$/;

/**
 * A frame's file as the same on every host: relative to the app root (`src/…`,
 * `node_modules/pg/…`), so an error groups as one issue across instances and releases
 * built in different directories. Node's own modules (`node:…`) stay as they are.
 */
export function appRelativeFile(file: string, root: string = APP_ROOT): string {
  const path = file.startsWith("file://") ? fileURLToPath(file) : file;
  if (!path.startsWith("/")) return path;
  const inside = relative(root, path);
  return inside.startsWith("..") ? path : inside;
}

/** V8 stack lines as Sentry frames, oldest call first (Sentry's order). */
function framesOf(stack: string | undefined): SentryFrame[] {
  const frames: SentryFrame[] = [];
  for (const line of (stack ?? "").split("\n")) {
    const match = V8_FRAME.exec(line);
    if (!match) continue;
    const [, rawFunction, rawFile = "", lineno = "0", colno = "0"] = match;
    // V8 marks frames resumed after an await with "async "; the function is the same one.
    const fn = rawFunction?.replace(/^async /, "");
    const file = appRelativeFile(rawFile);
    frames.push({
      ...(fn ? { function: fn } : {}),
      filename: file,
      abs_path: file.startsWith("/") || file.startsWith("node:") ? file : `app:///${file}`,
      lineno: Number(lineno),
      colno: Number(colno),
      in_app: !file.startsWith("node_modules/") && !file.includes("/node_modules/") && !file.startsWith("node:"),
    });
  }
  return frames.reverse();
}

/**
 * The exception type Sentry groups by: the error's class (`DatabaseError`, `TypeError`),
 * not its `name` — pg sets `name` to the protocol's message type, "error", for every
 * database error, which would put them all in one issue.
 */
export function exceptionType(error: Error): string {
  const className = Object.getPrototypeOf(error)?.constructor?.name;
  if (typeof className === "string" && className !== "" && className !== "Error") return className;
  return error.name && error.name !== "error" ? error.name : "Error";
}

/** The Sentry event: exception, request id, method and route — no headers, cookies, query, body or user. */
export function sentryEvent(report: ErrorReport, options: Pick<SentryReporterOptions, "environment" | "release">) {
  const error = report.error instanceof Error ? report.error : new Error(String(report.error));
  return {
    event_id: randomUUID().replaceAll("-", ""),
    timestamp: Date.now() / 1000,
    platform: "node",
    level: "error",
    logger: "rampart",
    environment: options.environment,
    release: options.release,
    transaction: `${report.method} ${report.route}`,
    tags: { request_id: report.requestId, route: report.route, method: report.method, status: String(report.status) },
    ...(report.trace
      ? { contexts: { trace: { trace_id: report.trace.traceId, span_id: report.trace.spanId, op: "http.server" } } }
      : {}),
    exception: {
      values: [
        {
          type: exceptionType(error),
          value: scrubSecrets(error.message),
          stacktrace: { frames: framesOf(error.stack) },
        },
      ],
    },
  };
}

/**
 * A minimal Sentry client: one envelope per error, posted over fetch with a timeout. It
 * patches nothing (unlike @sentry/node, which instruments http, fetch and more), and a
 * slow or failing ingest only costs a warning — the response has been sent already.
 */
export function createSentryReporter(options: SentryReporterOptions): ErrorReporter {
  const target = parseDsn(options.dsn, `rampart/${options.release}`);
  const inFlight = new Set<Promise<void>>();
  let failing = false;

  async function send(report: ErrorReport): Promise<void> {
    const event = sentryEvent(report, options);
    const envelope = [
      JSON.stringify({ event_id: event.event_id, sent_at: new Date().toISOString() }),
      JSON.stringify({ type: "event", content_type: "application/json" }),
      JSON.stringify(event),
    ].join("\n");
    try {
      const response = await fetch(target.envelopeUrl, {
        method: "POST",
        headers: { "content-type": "application/x-sentry-envelope", "x-sentry-auth": target.auth },
        body: envelope,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`ingest answered ${response.status}`);
      if (failing) options.logger.info("error reporting works again");
      failing = false;
    } catch (error) {
      // One warning per incident, not one per error; never the DSN (it carries the key).
      if (!failing) {
        options.logger.warn({ err: { message: (error as Error).message } }, "error report not delivered");
      }
      failing = true;
    }
  }

  return {
    report(report) {
      if (inFlight.size >= MAX_IN_FLIGHT) return;
      const sending = send(report);
      inFlight.add(sending);
      void sending.finally(() => inFlight.delete(sending));
    },
    async flush() {
      await Promise.allSettled([...inFlight]);
    },
  };
}
