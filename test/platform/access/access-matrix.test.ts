import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { buildOpenapiDocument } from "../../../src/cli/openapi-snapshot.ts";
import { isAllowed, operationsOf, renderAccessMatrix } from "../../../src/platform/access/matrix.ts";
import { buildTestApp } from "../../helpers/app.ts";

describe("access declarations", () => {
  it("docs/access-matrix.md is what `rampart access-matrix` prints (regenerate with npm run access-matrix)", async () => {
    const document = (await buildOpenapiDocument()) as Parameters<typeof operationsOf>[0];
    const expected = renderAccessMatrix(operationsOf(document));
    assert.equal(readFileSync(new URL("../../../docs/access-matrix.md", import.meta.url), "utf8"), expected);
  });

  it("a route without an access declaration fails at startup", async () => {
    const { app } = await buildTestApp();
    try {
      assert.throws(
        () =>
          app.get(
            "/api/v1/undeclared",
            { schema: { operationId: "undeclared", tags: ["users"], response: { 200: Type.Object({}) } } },
            async () => ({}),
          ),
        /must declare config\.access/,
      );
    } finally {
      await app.close();
    }
  });

  it("a company permission on a route without :companyId fails at startup", async () => {
    const { app } = await buildTestApp();
    try {
      assert.throws(
        () =>
          app.get(
            "/api/v1/unscoped",
            {
              config: { access: { permission: "company:read" } },
              schema: { operationId: "unscoped", tags: ["users"], response: { 200: Type.Object({}) } },
            },
            async () => ({}),
          ),
        /has no :companyId parameter/,
      );
    } finally {
      await app.close();
    }
  });

  it("the role table: strongest first, and nobody below owner may delete or hand over the company", () => {
    const del = { permission: "company:delete" } as const;
    assert.deepEqual(
      (["owner", "admin", "manager", "member", "viewer"] as const).map((role) => isAllowed(del, role)),
      [true, false, false, false, false],
    );
    const read = { permission: "company:read" } as const;
    assert.equal(isAllowed(read, "user"), false, "no relation, no access");
    assert.equal(isAllowed(read, "platform_admin"), false, "platform admins have no implicit tenant rights");
    assert.equal(isAllowed({ permission: "members:remove" }, "api_key"), false, "keys never change membership");
    assert.equal(isAllowed({ permission: "members:update" }, "partner"), false, "partners never get member rights");
  });
});
