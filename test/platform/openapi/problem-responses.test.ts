import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { ConflictError } from "../../../src/platform/errors/app-error.ts";
import { problemResponse, problemResponses } from "../../../src/platform/openapi/problem-responses.ts";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";

type Responses = Record<string, { content?: Record<string, unknown> }>;

describe("problem responses in the OpenAPI document", () => {
  let t: TestApp;
  let paths: Record<string, Record<string, { responses: Responses }>>;
  before(async () => {
    t = await buildTestApp();
    t.app.post(
      "/test/notes",
      {
        config: { access: "public" },
        schema: {
          operationId: "createNote",
          tags: ["test"],
          summary: "Create a note",
          security: [{ bearerAuth: [] }, { apiKey: [] }],
          body: Type.Object({ text: Type.String() }),
          response: { 201: Type.Object({ text: Type.String() }), ...problemResponses(409) },
        },
      },
      async () => {
        throw new ConflictError("note.duplicate", "A note with this text exists.");
      },
    );
    t.app.get(
      "/test/notes/:id",
      {
        config: { access: "public" },
        schema: {
          operationId: "getNote",
          tags: ["test"],
          summary: "Read a note",
          security: [],
          params: Type.Object({ id: Type.Integer() }),
          response: { 200: Type.Object({ text: Type.String() }), ...problemResponses(404) },
        },
      },
      async (request) => ({ text: `note ${(request.params as { id: number }).id}` }),
    );
    t.app.get(
      "/test/anonymous-or-key",
      {
        config: { access: "public" },
        schema: {
          operationId: "getOptionalAuth",
          tags: ["test"],
          summary: "Anonymous or API key",
          security: [{}, { apiKey: [] }],
          response: { 200: Type.Object({}) },
        },
      },
      async () => ({}),
    );
    t.app.delete(
      "/test/notes/:id",
      {
        config: { access: "public" },
        schema: {
          operationId: "deleteNote",
          tags: ["test"],
          summary: "Delete a note",
          security: [{ bearerAuth: [] }],
          params: Type.Object({ id: Type.Integer() }),
          response: { 204: Type.Null() },
        },
      },
      async (_request, reply) => reply.code(204).send(),
    );
    paths = (await t.app.inject({ url: "/openapi.json" })).json().paths;
  });
  after(() => t.app.close());

  const statuses = (responses: Responses | undefined) => Object.keys(responses ?? {});

  it("adds what the edge can answer: 400/429/500/503 anywhere, 413/415 for a body, 422 for validated input, 401 when credentials are required", () => {
    assert.deepEqual(statuses(paths["/test/notes"]?.post?.responses), [
      "201",
      "400",
      "401",
      "409",
      "413",
      "415",
      "422",
      "429",
      "500",
      "503",
    ]);
    assert.deepEqual(statuses(paths["/test/notes/{id}"]?.get?.responses), [
      "200",
      "400",
      "404",
      "422",
      "429",
      "500",
      "503",
    ]);
    // `{}` among the alternatives means anonymous calls are allowed: no 401 promised.
    assert.deepEqual(statuses(paths["/test/anonymous-or-key"]?.get?.responses), ["200", "400", "429", "500", "503"]);
  });

  it("declares route-listed problems (problemResponses) as application/problem+json Problem", () => {
    const conflict = paths["/test/notes"]?.post?.responses["409"];
    assert.deepEqual(conflict, {
      description: "Conflict",
      content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
    });
  });

  it("serves the declared problem as the document says (the contract check of every response passes)", async () => {
    const res = await t.app.inject({ method: "POST", url: "/test/notes", payload: { text: "hello" } });
    assert.equal(res.statusCode, 409);
    assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
    assert.equal(res.json().code, "note.duplicate");
    const invalid = await t.app.inject({ url: "/test/notes/abc" });
    assert.equal(invalid.statusCode, 422);
  });

  it("describes a bodiless 204 without content, and a DELETE as able to refuse a body", async () => {
    const responses = paths["/test/notes/{id}"]?.delete?.responses;
    assert.deepEqual(responses?.["204"], { description: "No Content" });
    assert.deepEqual(statuses(responses), ["204", "400", "401", "413", "415", "422", "429", "500", "503"]);
    const res = await t.app.inject({ method: "DELETE", url: "/test/notes/1" });
    assert.equal(res.statusCode, 204);
  });

  it("refuses to describe a success status as a problem", () => {
    assert.throws(() => problemResponse(200), /4xx or 5xx/);
  });
});
