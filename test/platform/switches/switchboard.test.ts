import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { switchChangeRecorder } from "../../../src/modules/audit/index.ts";
import { systemClock } from "../../../src/platform/clock.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { setKillSwitch } from "../../../src/platform/switches/control.ts";
import { createSwitchboard } from "../../../src/platform/switches/switchboard.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import { LogCapture } from "../../helpers/log-capture.ts";

const engines = await enginesUnderTest();

for (const engine of engines) {
  describe(`switchboard (${engine.engine})`, { skip: engine.skip }, () => {
    it("keeps enforcing the last state read when the database becomes unreadable, and says so once", async () => {
      const database = await engine.create();
      const logs = new LogCapture();
      const logger = createLogger({ LOG_LEVEL: "info", LOG_FORMAT: "json" }, logs);
      const control = {
        db: database.handle.db,
        clock: systemClock,
        announce: async () => false,
        record: switchChangeRecorder(systemClock),
      };
      await setKillSwitch(control, { enabled: true, reason: "breach under investigation" }, "cli:ops");
      const board = await createSwitchboard({
        db: database.handle.db,
        redis: undefined,
        channel: "unused",
        pollMs: 60_000,
        subscribeTimeoutMs: 100,
        logger,
      });
      try {
        assert.equal(board.current().killSwitch.enabled, true);
        assert.ok(logs.lines().some((l) => l.msg === "kill switch is on: API requests answer 503"));

        await database.handle.db.schema.dropTable("platform_state").execute();
        await board.refresh();
        await board.refresh();
        assert.equal(board.current().killSwitch.enabled, true, "a read failure does not lift the kill switch");
        assert.equal(board.current().killSwitch.reason, "breach under investigation");
        const warnings = logs.lines().filter((l) => l.msg === "platform state unreadable; keeping the last state");
        assert.equal(warnings.length, 1, "one warning per incident");
      } finally {
        await board.close();
        await database.drop();
      }
    });

    it("reads an unexpected stored value as the safe default", async () => {
      const database = await engine.create();
      const board = await createSwitchboard({
        db: database.handle.db,
        redis: undefined,
        channel: "unused",
        pollMs: 60_000,
        subscribeTimeoutMs: 100,
        logger: createLogger({ LOG_LEVEL: "silent", LOG_FORMAT: "json" }),
      });
      try {
        const now = new Date().toISOString();
        await database.handle.db
          .insertInto("platform_state")
          .values([
            { key: "kill_switch", value: '{"enabled":"yes"}', updated_at: now, updated_by: "someone" },
            { key: "flag:signup", value: '"off"', updated_at: now, updated_by: "someone" },
          ])
          .execute();
        await board.refresh();
        assert.equal(board.current().killSwitch.enabled, false, "only an explicit true turns it on");
        assert.equal(board.isEnabled("signup"), true, "an unreadable flag is at its default");
      } finally {
        await board.close();
        await database.drop();
      }
    });
  });
}
