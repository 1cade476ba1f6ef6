import { AssertionError } from "node:assert";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { legacyPathOf } from "../../src/platform/openapi/legacy-twins.ts";

/**
 * Contract tests for free: every response any test produces through `inject` is checked
 * against the app's own OpenAPI document — the operation's declared statuses, content
 * types and schemas — and a mismatch makes that `inject` reject, failing the test that
 * produced it. A status the operation does not declare is a contract break too. Answers
 * from no route (404) must be problems. Hidden routes (docs, the spec) are outside it.
 */

interface OpenapiDocument {
  paths?: Record<string, Record<string, { responses?: Record<string, ResponseObject> }>>;
}
interface ResponseObject {
  content?: Record<string, { schema?: unknown }>;
}

const SPEC_ID = "openapi.json";
const PROBLEM_POINTER = `${SPEC_ID}#/components/schemas/Problem`;

/** Runs `build` with every Fastify instance it constructs checked against its contract. */
export async function withContractValidation<T extends FastifyInstance>(build: () => Promise<T>): Promise<T> {
  const violations = new Map<string, string>();
  const state: ContractState = {};
  // Fastify announces each instance synchronously from its constructor, before any plugin
  // or route exists, so this hook sits at the root and applies to every route and the 404s.
  const onInit = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance };
    installContractHook(fastify, state, violations);
  };
  subscribe("fastify.initialization", onInit);
  let pending: Promise<T>;
  try {
    pending = build();
  } finally {
    unsubscribe("fastify.initialization", onInit);
  }
  const app = await pending;
  // Compiled once the routes are final (after @fastify/swagger's own onReady), so no test
  // request pays for it and looks slow.
  app.addHook("onReady", (done) => {
    state.validators = validatorsFor(app.swagger() as OpenapiDocument);
    done();
  });
  reportViolationsFromInject(app, violations);
  return app;
}

/** Apps built from the same routes share one compiled document (compiling costs tens of ms). */
const validatorsByDocument = new Map<string, ContractValidators>();

function validatorsFor(document: OpenapiDocument): ContractValidators {
  const key = JSON.stringify(document);
  let validators = validatorsByDocument.get(key);
  if (validators === undefined) {
    validators = new ContractValidators(document);
    validatorsByDocument.set(key, validators);
  }
  return validators;
}

/** The compiled contract of one app, set once it is ready. */
interface ContractState {
  validators?: ContractValidators;
}

function installContractHook(app: FastifyInstance, state: ContractState, violations: Map<string, string>): void {
  app.addHook("onSend", (request, reply, payload, done) => {
    if (state.validators === undefined) throw new Error("contract validators are built when the app is ready");
    const problem = state.validators.check(request, reply, payload);
    if (problem !== undefined)
      violations.set(request.id, `${request.method} ${request.url} → ${reply.statusCode}: ${problem}`);
    done(null, payload);
  });
}

function reportViolationsFromInject(app: FastifyInstance, violations: Map<string, string>): void {
  const inject = app.inject.bind(app) as (options?: unknown, callback?: unknown) => unknown;
  const checked = async (options: unknown) => {
    const response = (await inject(options)) as { headers: Record<string, unknown> };
    const requestId = String(response.headers["x-request-id"]);
    const violation = violations.get(requestId);
    violations.delete(requestId);
    if (violation !== undefined)
      throw new AssertionError({ message: `response breaks the API contract: ${violation}` });
    return response;
  };
  // The promise form rejects on a break; the chain and callback forms pass through, and
  // their breaks are reported when the app closes.
  (app as { inject: unknown }).inject = (options?: unknown, callback?: unknown) =>
    options === undefined || callback !== undefined ? inject(options, callback) : checked(options);
  app.addHook("onClose", (_instance, done) => {
    // Responses sent over a real socket (app.listen) or by an unchecked inject form: report them here.
    const left = [...violations.values()];
    done(
      left.length > 0
        ? new AssertionError({ message: `responses broke the API contract:\n${left.join("\n")}` })
        : undefined,
    );
  });
}

class ContractValidators {
  private readonly ajv: Ajv2020;
  private readonly document: OpenapiDocument;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(document: OpenapiDocument) {
    this.document = document;
    // strict: false — the document is OpenAPI, not a plain JSON Schema (paths, info, …).
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    formats.default(this.ajv);
    this.ajv.addSchema(document as object, SPEC_ID);
  }

  /** What is wrong with this response, or undefined when it honours the contract. */
  check(request: FastifyRequest, reply: FastifyReply, payload: unknown): string | undefined {
    const route = request.routeOptions;
    if ((route.schema as { hide?: boolean } | undefined)?.hide === true) return undefined;
    const body = parseBody(reply, payload);
    if (route.url === undefined) {
      // Unmatched requests are answered by the edge (404, 400 for a foreign Host, 429, …): always a problem.
      return reply.statusCode >= 400 ? this.validate(PROBLEM_POINTER, body, "Problem") : "no route answered";
    }
    // A legacy /api/... request was rewritten to its /api/v1 route (legacy-routes.ts): it answers
    // as its twin in the document declares.
    const v1Path = route.url.replace(/:(\w+)/g, "{$1}");
    const path = request.originalUrl === request.url ? v1Path : legacyPathOf(v1Path);
    const method = request.method === "HEAD" ? "get" : request.method.toLowerCase();
    const operation = this.document.paths?.[path]?.[method];
    if (operation === undefined) return `no operation ${method.toUpperCase()} ${path} in the OpenAPI document`;
    const status = String(reply.statusCode);
    const responses = operation.responses ?? {};
    const key = [status, `${status[0]}XX`, "default"].find((k) => responses[k] !== undefined);
    if (key === undefined) return `status ${status} is not declared (declared: ${Object.keys(responses).join(", ")})`;
    const content = responses[key]?.content;
    if (content === undefined || body === undefined) return undefined;
    const contentType =
      String(reply.getHeader("content-type") ?? "")
        .split(";")[0]
        ?.trim() ?? "";
    if (content[contentType] === undefined) {
      return `content type ${contentType || "(none)"} is not declared for ${status} (declared: ${Object.keys(content).join(", ")})`;
    }
    const pointer = `${SPEC_ID}#/paths/${pointerSegment(path)}/${method}/responses/${key}/content/${pointerSegment(contentType)}/schema`;
    return this.validate(pointer, body, `${method.toUpperCase()} ${path} ${key} ${contentType}`);
  }

  private validate(pointer: string, body: unknown, what: string): string | undefined {
    let validate = this.compiled.get(pointer);
    if (validate === undefined) {
      validate = this.ajv.getSchema(pointer);
      if (validate === undefined) return `no schema at ${pointer}`;
      this.compiled.set(pointer, validate);
    }
    if (validate(body)) return undefined;
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
    return `body does not match ${what}: ${errors} — body: ${JSON.stringify(body)?.slice(0, 500)}`;
  }
}

/** JSON Pointer escaping of one path segment (RFC 6901), then URI-fragment encoding. */
function pointerSegment(segment: string): string {
  return encodeURIComponent(segment.replaceAll("~", "~0").replaceAll("/", "~1"));
}

function parseBody(reply: FastifyReply, payload: unknown): unknown {
  if (typeof payload !== "string" && !Buffer.isBuffer(payload)) return undefined;
  const text = payload.toString();
  if (text === "") return undefined;
  const contentType = String(reply.getHeader("content-type") ?? "");
  if (!/^application\/([\w.+-]+\+)?json/i.test(contentType)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
