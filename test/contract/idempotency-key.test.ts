import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OPENAPI_SNAPSHOT_ENV } from "../../src/cli/openapi-snapshot.ts";
import { buildTestApp } from "../helpers/app.ts";

interface Parameter {
  readonly in: string;
  readonly name: string;
  readonly required?: boolean;
  readonly description?: string;
  readonly schema?: { type?: string; maxLength?: number };
}
interface Operation {
  readonly parameters?: Parameter[];
  readonly security?: Record<string, string[]>[];
  readonly responses: Record<string, unknown>;
}

const { app } = await buildTestApp(OPENAPI_SNAPSHOT_ENV);
const document = (await app.inject({ url: "/openapi.json" })).json() as {
  paths: Record<string, Record<string, Operation>>;
};
await app.close();

const operations = Object.entries(document.paths).flatMap(([path, byMethod]) =>
  Object.entries(byMethod).map(([method, operation]) => ({
    where: `${method.toUpperCase()} ${path}`,
    method,
    operation,
  })),
);
const keyHeader = (operation: Operation) =>
  operation.parameters?.find((p) => p.in === "header" && p.name.toLowerCase() === "idempotency-key");
/** Needs a caller: security requirements none of which is the anonymous `{}`. */
const identified = (operation: Operation) =>
  (operation.security ?? []).length > 0 && (operation.security ?? []).every((r) => Object.keys(r).length > 0);

describe("Idempotency-Key in the OpenAPI document", () => {
  it("every unsafe route with an identified caller (POST, PATCH) declares the optional header, and no other route does", () => {
    const unsafe = operations.filter(
      ({ method, operation }) => ["post", "patch"].includes(method) && identified(operation),
    );
    assert.ok(unsafe.length > 20, `${unsafe.length} unsafe operations`);
    const missing = unsafe.filter(({ operation }) => keyHeader(operation) === undefined).map((o) => o.where);
    assert.deepEqual(missing, [], "the server honours the header on these: the document must say so");
    const extra = operations
      .filter(({ operation }) => keyHeader(operation) !== undefined)
      .filter((o) => !unsafe.includes(o))
      .map((o) => o.where);
    // Anonymous POSTs (sign-in, sign-up) ignore the key: no caller to scope a stored answer to.
    assert.deepEqual(extra, [], "declared where the server ignores it");
  });

  it("describes the header per the IETF draft: optional string, up to 255 characters in quotes, with its 409 and 422", () => {
    for (const { where, operation } of operations) {
      const header = keyHeader(operation);
      if (header === undefined) continue;
      assert.equal(header.required ?? false, false, where);
      assert.equal(header.schema?.type, "string", where);
      assert.equal(header.schema?.maxLength, 257, where);
      assert.match(header.description ?? "", /Idempotency-Key draft/, where);
      assert.match(header.description ?? "", /structured-field string/, where);
      for (const status of ["409", "422"]) assert.ok(operation.responses[status], `${where} documents ${status}`);
    }
  });
});
