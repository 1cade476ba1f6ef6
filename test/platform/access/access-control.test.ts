import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { AccessControl } from "../../../src/platform/access/access.ts";
import type { AccessDenial, AccessResolvers, TenantLookup, UserActor } from "../../../src/platform/access/actor.ts";
import type { Permission } from "../../../src/platform/access/permissions.ts";
import { systemClock } from "../../../src/platform/clock.ts";
import { UnauthorizedError } from "../../../src/platform/errors/app-error.ts";
import { buildTestApp } from "../../helpers/app.ts";

// The access hook's own decisions, with stand-in resolvers: which lookups it makes, which
// refusal it throws, and which denials it records. The walk (test/isolation/access-walk.test.ts)
// checks the outcome route by route; these are the paths it has no caller for.
const COMPANY = "0190a0a0-0000-7000-8000-00000000000c";
const USER: UserActor = { kind: "user", userId: "u1", sessionId: "s1", platformRole: "user", emailVerified: true };
const READ: Permission = "company:read";

function harness(
  lookup: TenantLookup,
  options: { token?: () => Promise<UserActor | undefined>; denials?: boolean } = {},
) {
  const calls = { token: 0, tenant: 0 };
  const denials: AccessDenial[] = [];
  const resolvers: AccessResolvers = {
    async authenticateAccessToken() {
      calls.token += 1;
      return options.token ? options.token() : USER;
    },
    async authenticateApiKey() {
      return undefined;
    },
    async tenantAccess() {
      calls.tenant += 1;
      return lookup;
    },
    ...(options.denials === false
      ? {}
      : {
          async recordDenial(_request: FastifyRequest, denial: AccessDenial) {
            denials.push(denial);
          },
        }),
  };
  // No step-up route here: the policy only has to exist (step-up has its own tests).
  const stepUp = { clock: systemClock, maxAgeS: 600, platformAdminRequiresMfa: false };
  return { control: new AccessControl(resolvers, stepUp), calls, denials };
}

const request = (companyId: string = COMPANY) =>
  ({ headers: { authorization: "Bearer a.b.c" }, params: { companyId } }) as unknown as FastifyRequest;
const granted = (permissions: Permission[]): TenantLookup => ({
  kind: "granted",
  access: { companyId: COMPANY, via: "membership", role: "viewer", permissions: new Set(permissions) },
});
const code = (expected: string) => (error: unknown) => (error as { code?: string }).code === expected;

describe("the access hook's decisions", () => {
  it("looks the caller and the company up once per request, however often the limiter and the hook ask", async () => {
    const { control, calls } = harness(granted([READ]));
    const req = request();
    await control.caller(req);
    await control.enforce(req, { permission: READ });
    await control.tenant(req, USER);
    assert.deepEqual(calls, { token: 1, tenant: 1 });
    assert.equal(req.tenant?.companyId, COMPANY);
    await control.enforce(request(), { permission: READ });
    assert.deepEqual(calls, { token: 2, tenant: 2 }, "another request looks up afresh");
  });

  it("hands on a resolver's own 401 (e.g. expired) as the caller's failure, and throws it when access is enforced", async () => {
    const expired = new UnauthorizedError("auth.token_expired", "The access token has expired.");
    const { control } = harness(granted([READ]), {
      token: async () => {
        throw expired;
      },
    });
    const req = request();
    assert.deepEqual(await control.caller(req), { failure: expired });
    await assert.rejects(control.enforce(req, "user"), (error) => error === expired);
  });

  it("lets any other resolver failure through as itself, not as a 401", async () => {
    const broken = new Error("database unreachable");
    const { control } = harness(granted([READ]), {
      token: async () => {
        throw broken;
      },
    });
    await assert.rejects(control.caller(request()), (error) => error === broken);
  });

  it("answers a malformed company id with 404 without asking the resolver", async () => {
    const { control, calls, denials } = harness(granted([READ]));
    for (const id of ["not-a-uuid", "0190a0a0-0000-7000-8000"]) {
      await assert.rejects(control.enforce(request(id), { permission: READ }), code("company.not_found"));
    }
    assert.equal(calls.tenant, 0);
    assert.deepEqual(denials, []);
  });

  it("refuses a suspended company with 403 and records the denial as company_suspended", async () => {
    const { control, denials } = harness({ kind: "suspended" });
    await assert.rejects(control.enforce(request(), { permission: READ }), code("company.suspended"));
    assert.deepEqual(denials, [{ companyId: COMPANY, reason: "company_suspended", permission: READ }]);
  });

  it("records no denial for a company the caller cannot see (404)", async () => {
    const { control, denials } = harness({ kind: "not_found" });
    await assert.rejects(control.enforce(request(), { permission: READ }), code("company.not_found"));
    assert.deepEqual(denials, []);
  });

  it("records a missing permission as a denial for that permission", async () => {
    const { control, denials } = harness(granted([READ]));
    await assert.rejects(control.enforce(request(), { permission: "company:update" }), code("access.denied"));
    assert.deepEqual(denials, [{ companyId: COMPANY, reason: "permission", permission: "company:update" }]);
  });

  it("refuses the same way when nothing records denials", async () => {
    const { control } = harness({ kind: "suspended" }, { denials: false });
    await assert.rejects(control.enforce(request(), { permission: READ }), code("company.suspended"));
    const quiet = harness(granted([READ]), { denials: false });
    await assert.rejects(quiet.control.enforce(request(), { permission: "company:update" }), code("access.denied"));
  });

  it("without a second-factor resolver, a recent password sign-in passes a declared step-up: no factor is assumed", async () => {
    const recent = { ...USER, authTime: Math.floor(Date.now() / 1000), amr: ["pwd"] };
    const { control } = harness(granted([READ]), { token: async () => recent });
    await control.enforce(request(), { permission: READ }, true);
    await control.enforce(request(), "user", true);
    const stale = { ...recent, authTime: recent.authTime - 3600 };
    const strict = harness(granted([READ]), { token: async () => stale });
    // Refused for being stale, and asking for no factor (none is known).
    await assert.rejects(
      strict.control.enforce(request(), { permission: READ }, true),
      (error: Error) =>
        code("auth.step_up_required")(error) &&
        error.message === "This action needs a recent sign-in: reauthenticate and retry.",
    );
  });

  it("a public route that declares step-up fails at startup, naming itself", async () => {
    const { app } = await buildTestApp();
    try {
      const schema = { operationId: "publicStepUp", tags: ["users"], response: { 200: Type.Object({}) } };
      assert.throws(
        () =>
          app.get("/api/v1/public-step-up", { schema, config: { access: "public", stepUp: true } }, async () => ({})),
        (error: Error) =>
          error.message ===
          "route GET /api/v1/public-step-up declares stepUp but is public: step-up needs a signed-in caller",
      );
    } finally {
      await app.close();
    }
  });

  it("a GET route without an access declaration fails at startup, naming itself (not its HEAD twin)", async () => {
    const { app } = await buildTestApp();
    try {
      const schema = { operationId: "undeclaredGet", tags: ["users"], response: { 200: Type.Object({}) } };
      assert.throws(
        () => app.get("/api/v1/undeclared-get", { schema }, async () => ({})),
        (error: Error) => error.message === "route GET /api/v1/undeclared-get must declare config.access",
      );
    } finally {
      await app.close();
    }
  });
});
