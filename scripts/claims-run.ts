import { resolve } from "node:path";
import { run } from "node:test";

/**
 * Executes cited tests: each file once, in its own process, with a name filter that selects
 * exactly the cited titles (anchored, escaped), and reads the runner's own events to decide,
 * per title, whether a test of that name ran and passed. A describe, a skipped or todo test,
 * a test the filter did not reach and a failing test are each a distinct failure.
 */

export type Outcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: "failed" | "suite" | "skipped" | "todo" | "did not run";
      readonly detail: string;
    };

export interface FileRun {
  readonly file: string;
  readonly seconds: number;
  readonly outcomes: ReadonlyMap<string, Outcome>;
  /** The child had reported every cited title but did not exit, and was stopped. */
  readonly lingered: boolean;
}

/** A file's cited tests must all finish within this, or the file is stopped. */
const FILE_TIMEOUT_MS = 20 * 60_000;

/**
 * Once every cited title has reported and nothing of the file is running, the child has this
 * long to exit before it is stopped. A child now and then never exits even with forceExit (seen
 * twice in CI runs, on files that pass alone in 3 s); its verdicts are already in, so waiting out
 * FILE_TIMEOUT_MS would only turn a pass into a timeout. Any event of the child restarts the wait,
 * and a long one leaves room for a file's top-level setup between two blocks that repeat a title
 * (one describe per database engine): the later block's verdicts count too.
 */
const EXIT_GRACE_MS = Number(process.env.CLAIMS_EXIT_GRACE_MS ?? 60_000);

/** `^title$` with every regular-expression character escaped. */
export function exactName(title: string): RegExp {
  return new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
}

interface Seen {
  readonly name: string;
  readonly passed: boolean;
  readonly suite: boolean;
  readonly skip: boolean;
  readonly todo: boolean;
  readonly error: string;
}

function errorText(error: unknown): string {
  const cause = (error as { cause?: unknown } | undefined)?.cause ?? error;
  const message = cause instanceof Error ? cause.message : String(cause ?? "");
  return message.split("\n").slice(0, 4).join(" ").slice(0, 300);
}

/** What the runner's events say about one cited title. */
export function judge(title: string, seen: readonly Seen[]): Outcome {
  const named = seen.filter((event) => event.name === title);
  if (named.length === 0)
    return { ok: false, reason: "did not run", detail: "no test of that name ran (filtered out, or not in the file)" };
  if (named.some((event) => event.suite))
    return { ok: false, reason: "suite", detail: "it is a describe (a suite), not a test" };
  if (named.some((event) => event.todo)) return { ok: false, reason: "todo", detail: "the test is marked todo" };
  if (named.some((event) => event.skip)) return { ok: false, reason: "skipped", detail: "the test was skipped" };
  const failed = named.find((event) => !event.passed);
  if (failed) return { ok: false, reason: "failed", detail: failed.error || "the test failed" };
  return { ok: true };
}

/**
 * Runs the cited titles of one test file and judges each. First with forceExit, as `npm test`
 * runs (a test that leaves a handle open must not hang the ledger); but then a file whose only
 * synchronous tests are filtered out exits at its first top-level await, before its other tests
 * exist (export.test.ts did). So a file with a cited test that did not run is run once more
 * without forceExit, stopped by a signal if it never lets go of its handles.
 */
export async function runFile(root: string, file: string, titles: readonly string[]): Promise<FileRun> {
  const first = await runOnce(root, file, titles, true);
  if (![...first.outcomes.values()].some((outcome) => !outcome.ok && outcome.reason === "did not run")) return first;
  const again = await runOnce(root, file, titles, false);
  return { ...again, seconds: first.seconds + again.seconds, lingered: first.lingered || again.lingered };
}

async function runOnce(root: string, file: string, titles: readonly string[], forceExit: boolean): Promise<FileRun> {
  const started = performance.now();
  const seen: Seen[] = [];
  const path = resolve(root, file);
  const reported = new Set<string>();
  /** Tests and suites of the file dequeued and not yet complete. */
  let running = 0;
  const allReported = new AbortController();
  let grace: NodeJS.Timeout | undefined;
  const stream = run({
    cwd: root,
    files: [path],
    testNamePatterns: titles.map(exactName),
    concurrency: 1,
    isolation: "process",
    forceExit,
    timeout: file.endsWith(".race.ts") ? 600_000 : 300_000,
    signal: AbortSignal.any([AbortSignal.timeout(FILE_TIMEOUT_MS), allReported.signal]),
  });
  for await (const event of stream) {
    clearTimeout(grace);
    const name = (event.data as { name?: string } | undefined)?.name;
    if (name !== undefined && name !== path) {
      if (event.type === "test:dequeue") running++;
      else if (event.type === "test:complete") running--;
    }
    if (reported.size === titles.length && running === 0)
      grace = setTimeout(() => allReported.abort(), EXIT_GRACE_MS).unref();
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const data = event.data as {
      name: string;
      skip?: boolean | string;
      todo?: boolean | string;
      details: { type?: string; error?: unknown };
    };
    seen.push({
      name: data.name,
      passed: event.type === "test:pass",
      suite: data.details.type === "suite",
      skip: data.skip !== undefined && data.skip !== false,
      todo: data.todo !== undefined && data.todo !== false,
      error: event.type === "test:fail" ? errorText(data.details.error) : "",
    });
    if (titles.includes(data.name)) reported.add(data.name);
    if (reported.size === titles.length && running === 0) {
      clearTimeout(grace);
      grace = setTimeout(() => allReported.abort(), EXIT_GRACE_MS).unref();
    }
  }
  clearTimeout(grace);
  const outcomes = new Map(titles.map((title) => [title, judge(title, seen)]));
  return { file, seconds: (performance.now() - started) / 1000, outcomes, lingered: allReported.signal.aborted };
}
