import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pino } from "pino";
import { LazyRequestLogger } from "../../../src/platform/logging/request-logger.ts";
import { LogCapture } from "../../helpers/log-capture.ts";

/** A pino logger writing into a capture, and how many children it has made. */
function countingLogger(level = "info") {
  const capture = new LogCapture();
  const logger = pino({ level, base: null, timestamp: false }, capture);
  let children = 0;
  const child = logger.child;
  logger.child = function (this: typeof logger, ...args: Parameters<typeof child>) {
    children++;
    return child.apply(this, args);
  } as typeof logger.child;
  return { logger, capture, children: () => children };
}

describe("request logger", () => {
  it("makes no pino child for a request that writes nothing, and one for a request that writes", () => {
    const { logger, capture, children } = countingLogger();
    const quiet = new LazyRequestLogger(logger, { requestId: "r1" }, { level: "warn" });
    quiet.info("dropped");
    quiet.debug("dropped");
    assert.equal(quiet.isLevelEnabled("info"), false);
    assert.equal(quiet.isLevelEnabled("warn"), true);
    assert.equal(quiet.level, "warn");
    assert.equal(children(), 0);

    const talkative = new LazyRequestLogger(logger, { requestId: "r2" }, {});
    talkative.info({ route: "/x" }, "written");
    talkative.warn("also written");
    assert.equal(children(), 1);
    assert.deepEqual(
      capture.lines().map((l) => [l.requestId, l.msg, l.route]),
      [
        ["r2", "written", "/x"],
        ["r2", "also written", undefined],
      ],
    );
  });

  it("follows the parent's level when the route sets none, and its own when changed", () => {
    const { logger, capture } = countingLogger("warn");
    const request = new LazyRequestLogger(logger, { requestId: "r3" }, {});
    request.info("below the process level");
    assert.equal(capture.lines().length, 0);
    request.level = "debug";
    request.debug("after lowering this request's level");
    assert.deepEqual(
      capture.lines().map((l) => l.msg),
      ["after lowering this request's level"],
    );
  });

  it("gives children and bindings that carry the request's fields", () => {
    const { logger, capture } = countingLogger();
    const request = new LazyRequestLogger(logger, { requestId: "r4" }, {});
    request.child({ step: "lookup" }).error("failed");
    assert.deepEqual(request.bindings(), { requestId: "r4" });
    assert.deepEqual(
      capture.lines().map((l) => [l.requestId, l.step, l.level]),
      [["r4", "lookup", 50]],
    );
  });
});
