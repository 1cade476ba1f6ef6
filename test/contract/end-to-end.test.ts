import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  acceptInvitation,
  createApiKey,
  createCompany,
  createInvitation,
  getCompany,
  getMe,
  listMembers,
  listMyCompanies,
  login,
  type RampartRequestInit,
  refreshToken,
  register,
  updateCompany,
  verifyEmail,
} from "../../clients/typescript/index.ts";
import { STRONG_PASSWORD } from "../helpers/identity.ts";
import { mailsTo, nextMailToken } from "../helpers/outbox.ts";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.ts";

/**
 * Issue 9's promise to frontends: a real server process, driven only through the generated
 * client (no app.inject, no hand-built requests), does the whole onboarding. Each step narrows
 * the response union on its status, so a renamed field or status fails `npm run check` too.
 */

/** The claims of a JWT, unverified: the test only reads what the server put there. */
function claims(jwt: string): Record<string, unknown> {
  const payload = jwt.split(".")[1];
  assert.ok(payload, "a three-part JWT");
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
}

describe("end to end through the generated client against a real server", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "rampart-e2e-"));
  const outbox = join(dataDir, "outbox");
  let server: ServerProcess | undefined;
  let base: RampartRequestInit = {};

  before(async () => {
    // Rate limits have their own tests; this flow makes more auth calls a minute than the auth tier allows.
    server = await startServerProcess({ DATA_DIR: dataDir, ENABLE_RATE_LIMITING: "false" }, 30_000);
    base = { baseUrl: server.url };
  });

  after(async () => {
    if (server !== undefined) {
      server.child.kill("SIGTERM");
      await server.exited();
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** register → verify from the outbox → log in as a native client; returns the tokens. */
  async function onboard(email: string, name: string) {
    const seen = mailsTo(outbox, email).length;
    const registered = await register({ email, password: STRONG_PASSWORD, name }, base);
    assert.equal(registered.status, 201);
    if (registered.status !== 201) return assert.fail("unreachable");
    assert.equal(registered.data.status, "verification_sent");

    const token = await nextMailToken(outbox, email, seen);
    const verified = await verifyEmail({ token }, base);
    assert.equal(verified.status, 200, JSON.stringify(verified.data));

    const loggedIn = await login({ email, password: STRONG_PASSWORD, clientType: "native" }, base);
    assert.equal(loggedIn.status, 200, JSON.stringify(loggedIn.data));
    if (loggedIn.status !== 200) return assert.fail("unreachable");
    // No second factor here: the answer is tokens, not an MfaChallenge.
    if ("mfaRequired" in loggedIn.data) return assert.fail("an account without a factor got a ticket");
    const { accessToken, refreshToken: refresh, user, expiresIn } = loggedIn.data;
    assert.ok(refresh, "a native login returns the refresh token in the body");
    assert.ok(user, "the login answer carries the user");
    assert.equal(user.email, email);
    assert.equal(user.emailVerified, true);
    assert.ok(expiresIn > 0);
    // What an Auth.js jwt callback stores as the session's subject (docs/frontend.md).
    assert.equal(claims(accessToken).sub, user.id);
    return { accessToken, refreshToken: refresh, userId: user.id };
  }

  it("registers, verifies, logs in, refreshes, creates a company, invites a member who accepts, and reads it with an API key", async () => {
    const ada = await onboard("ada@example.com", "Ada Lovelace");

    // Refresh: a new pair; the access token still names the same user.
    const refreshed = await refreshToken({ refreshToken: ada.refreshToken }, base);
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.data));
    if (refreshed.status !== 200) return;
    if ("mfaRequired" in refreshed.data) return assert.fail("an account without a factor got a ticket");
    assert.ok(refreshed.data.refreshToken);
    assert.notEqual(refreshed.data.refreshToken, ada.refreshToken);
    assert.equal(claims(refreshed.data.accessToken).sub, ada.userId);
    const asAda = { ...base, accessToken: refreshed.data.accessToken };

    const me = await getMe(asAda);
    assert.equal(me.status, 200);
    if (me.status !== 200) return;
    assert.equal(me.data.id, ada.userId);

    const created = await createCompany({ name: "Analytical Engines", slug: "analytical-engines" }, asAda);
    assert.equal(created.status, 201, JSON.stringify(created.data));
    if (created.status !== 201) return;
    const company = created.data;
    assert.equal(company.slug, "analytical-engines");
    assert.equal(company.myRole, "owner");

    const mine = await listMyCompanies({ limit: 10 }, asAda);
    assert.equal(mine.status, 200);
    if (mine.status !== 200) return;
    assert.deepEqual(
      mine.data.items.map((c) => c.id),
      [company.id],
    );
    assert.equal(mine.data.nextCursor, null);

    // Ada invites Bob as a member; he signs up from scratch and accepts with the mailed link.
    const invited = await createInvitation(company.id, { email: "bob@example.com", role: "member" }, asAda);
    assert.equal(invited.status, 201, JSON.stringify(invited.data));
    if (invited.status !== 201) return;
    assert.equal(invited.data.email, "bob@example.com");
    assert.equal(invited.data.role, "member");
    const invitationToken = await nextMailToken(outbox, "bob@example.com");
    const bob = await onboard("bob@example.com", "Bob Babbage");
    const asBob = { ...base, accessToken: bob.accessToken };
    const accepted = await acceptInvitation({ token: invitationToken }, asBob);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.data));
    if (accepted.status !== 200) return;
    assert.equal(accepted.data.id, company.id);

    const members = await listMembers(company.id, { limit: 10 }, asAda);
    assert.equal(members.status, 200);
    if (members.status !== 200) return;
    assert.deepEqual(
      members.data.items.map((m) => [m.userId, m.role]).sort(),
      [
        [ada.userId, "owner"],
        [bob.userId, "member"],
      ].sort(),
    );
    const bobsView = await getCompany(company.id, asBob);
    assert.equal(bobsView.status, 200);

    // A member may not create API keys: the refusal is typed problem data.
    const notAllowed = await createApiKey(company.id, { name: "bob's", scopes: ["company:read"] }, asBob);
    assert.equal(notAllowed.status, 403);
    if (notAllowed.status !== 403) return;
    assert.equal(notAllowed.data.code, "access.denied");

    const keyed = await createApiKey(company.id, { name: "reporting", scopes: ["company:read"] }, asAda);
    assert.equal(keyed.status, 201, JSON.stringify(keyed.data));
    if (keyed.status !== 201) return;
    assert.match(keyed.data.key, /^rk_/);
    assert.ok(keyed.data.key.startsWith(keyed.data.prefix));

    // A retried create with the Idempotency-Key the document declares: one key, the same answer.
    const retrying = { ...asAda, headers: { "Idempotency-Key": '"e2e-create-reporting-2"' } };
    const first = await createApiKey(company.id, { name: "retried", scopes: ["company:read"] }, retrying);
    const retried = await createApiKey(company.id, { name: "retried", scopes: ["company:read"] }, retrying);
    assert.equal(first.status, 201, JSON.stringify(first.data));
    assert.equal(retried.status, 201);
    assert.deepEqual(retried.data, first.data, "the stored answer, the same key");

    // The key alone (no bearer token) reads its company.
    const asKey = { ...base, apiKey: keyed.data.key };
    const read = await getCompany(company.id, asKey);
    assert.equal(read.status, 200, JSON.stringify(read.data));
    if (read.status !== 200) return;
    assert.equal(read.data.id, company.id);
    assert.equal(read.data.name, "Analytical Engines");

    // A call beyond the key's scopes: a problem handed back as typed data, not thrown.
    const forbidden = await updateCompany(company.id, { name: "Renamed" }, asKey);
    assert.equal(forbidden.status, 403);
    if (forbidden.status !== 403) return;
    assert.equal(forbidden.data.code, "access.denied");
    assert.equal(forbidden.data.status, 403);
    assert.equal(forbidden.data.requestId, forbidden.headers.get("x-request-id"));
    assert.match(forbidden.headers.get("content-type") ?? "", /^application\/problem\+json/);

    // ...and nothing changed.
    const after = await getCompany(company.id, asAda);
    assert.equal(after.status, 200);
    if (after.status !== 200) return;
    assert.equal(after.data.name, "Analytical Engines");
  });
});
