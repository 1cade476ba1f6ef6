import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { sourceFiles, topLevelFunctions } from "../../helpers/source-scan.ts";

/**
 * A membership is cached twice on every instance: its role (the access check) and the company's
 * member list (member-list-cache.ts). Both are forgotten by `forgetMembership` after the change
 * commits, so a writer of the memberships table that does not call it leaves other instances
 * granting an old role or listing an old member. This reads the source for the whole class.
 */
const SRC = join(import.meta.dirname, "../../../src");

/** The repository's functions that write the memberships table. */
const REPOSITORY_WRITERS = ["insertMembership", "updateMembershipRole", "deleteMembership"];
/** Functions that write inside their caller's transaction; the caller forgets after its commit. */
const IN_CALLERS_TRANSACTION = ["addMember", "syncSsoMembership"];

describe("writers of the cached memberships table", () => {
  it("only the companies repository writes the memberships table, through the listed functions", () => {
    const direct =
      /(?:updateTable|insertInto|deleteFrom)\(\s*"memberships"\s*\)|\b(?:update|insert into|delete from)\s+"?memberships"?\b/i;
    const offenders = sourceFiles(SRC)
      .filter((file) => !file.endsWith("modules/companies/repository.ts") && direct.test(readFileSync(file, "utf8")))
      .map((file) => relative(SRC, file));
    assert.deepEqual(offenders, []);
    const repository = topLevelFunctions(readFileSync(join(SRC, "modules/companies/repository.ts"), "utf8"));
    const writers = [...repository].filter(([, body]) => direct.test(body)).map(([name]) => name);
    assert.deepEqual(writers.sort(), [...REPOSITORY_WRITERS].sort());
  });

  it("every use case that writes a membership forgets it after its commit, or leaves that to a caller that does", () => {
    const writes = new RegExp(`\\b(?:${[...REPOSITORY_WRITERS, ...IN_CALLERS_TRANSACTION].join("|")})\\(`);
    const missing: string[] = [];
    const inTransaction: string[] = [];
    let checked = 0;
    for (const file of sourceFiles(SRC)) {
      if (file.endsWith("modules/companies/repository.ts")) continue;
      for (const [name, body] of topLevelFunctions(readFileSync(file, "utf8"))) {
        if (!writes.test(body.replace(/^[^(]*\(/, ""))) continue;
        checked++;
        if (IN_CALLERS_TRANSACTION.includes(name)) inTransaction.push(name);
        else if (!body.includes("forgetMembership(")) missing.push(`${relative(SRC, file)}: ${name}`);
      }
    }
    assert.ok(checked >= 8, `found only ${checked} writers: the scan itself is broken`);
    assert.deepEqual(inTransaction.sort(), [...IN_CALLERS_TRANSACTION].sort());
    assert.deepEqual(missing, []);
  });
});
