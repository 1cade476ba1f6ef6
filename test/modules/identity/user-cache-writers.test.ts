import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { sourceFiles, topLevelFunctions } from "../../helpers/source-scan.ts";

/**
 * The user row is cached on every instance (src/modules/identity/user-cache.ts), so a write
 * to the users table that does not evict leaves other instances answering with the old row
 * — the old name, or an API key whose creator was suspended still acting. This reads the
 * source for the whole class: who writes the table, and whether each writer evicts.
 */
const SRC = join(import.meta.dirname, "../../../src");
const IDENTITY = join(SRC, "modules/identity");

/** The repository's functions that write the users table; a new one must be added here, and evicted by its callers. */
const USER_WRITERS = ["insertUser", "updateUser", "updateLiveUser"];
/** Callers that write without evicting, and why that is correct. */
const NO_EVICTION: Record<string, string> = {
  // The CLI has no cache; the promoted account's sessions are revoked, and the role shows within USER_TTL_S.
  createOrPromoteAdmin: "CLI",
  // Runs inside the sso module's transaction: evicting before that commits would let a reader
  // cache the old row again; completeSsoSignIn evicts with forgetSsoUsers after the commit.
  provisionSsoAccount: "the caller's transaction (sso's completeSsoSignIn evicts after commit)",
};

describe("writers of the cached users table", () => {
  it("only identity's repository writes the users table, through the listed functions", () => {
    const direct =
      /(?:updateTable|insertInto|deleteFrom)\(\s*"users"\s*\)|\b(?:update|insert into|delete from)\s+"?users"?\b/i;
    const offenders = sourceFiles(SRC).filter(
      (file) => !file.endsWith("modules/identity/repository.ts") && direct.test(readFileSync(file, "utf8")),
    );
    assert.deepEqual(offenders, []);
    const repository = topLevelFunctions(readFileSync(join(IDENTITY, "repository.ts"), "utf8"));
    const writers = [...repository].filter(([, body]) => direct.test(body)).map(([name]) => name);
    assert.deepEqual(writers.sort(), [...USER_WRITERS].sort());
  });

  it("every use case that updates a user row evicts it from the cache, or says why not", () => {
    const missing: string[] = [];
    let checked = 0;
    for (const file of sourceFiles(IDENTITY)) {
      if (file.endsWith("repository.ts")) continue;
      for (const [name, body] of topLevelFunctions(readFileSync(file, "utf8"))) {
        // Inserts make a fresh id no one has looked up, so there is nothing cached to evict.
        if (!/repo\.(?:updateUser|updateLiveUser)\(/.test(body)) continue;
        checked++;
        if (!body.includes("forgetUsers(") && NO_EVICTION[name] === undefined) missing.push(`${file}: ${name}`);
      }
    }
    assert.ok(checked >= 6, `found only ${checked} writers: the scan itself is broken`);
    assert.deepEqual(missing, []);
  });
});
