import assert from "node:assert/strict";
import type { App } from "../../src/app.ts";
import { addMember, forgetMembership } from "../../src/modules/companies/index.ts";
import type { Role } from "../../src/platform/access/permissions.ts";
import { withTransaction } from "../../src/platform/db/transaction.ts";
import { bearer, type IdentityHarness, signedInUser } from "./identity.ts";

export interface SignedIn {
  readonly userId: string;
  readonly accessToken: string;
  readonly email: string;
  readonly headers: { authorization: string };
}

let sequence = 0;

/** A verified, signed-in user with a unique address. */
export async function newUser(h: IdentityHarness, label = "user"): Promise<SignedIn> {
  const email = `${label}-${++sequence}-${Date.now()}@example.com`;
  const user = await signedInUser(h, email);
  return { userId: user.userId, accessToken: user.accessToken, email, headers: bearer(user.accessToken) };
}

export async function createCompany(app: App, owner: SignedIn, slug: string, name = `Company ${slug}`) {
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/companies",
    headers: owner.headers,
    payload: { name, slug },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string; slug: string; name: string };
}

/**
 * Fixture shortcut: makes `user` a member without the invitation round trip (which has its
 * own tests), through the companies module's service like the invitation flow does.
 */
export async function joinDirectly(h: IdentityHarness, companyId: string, user: SignedIn, role: Role) {
  const deps = { database: h.database.handle, clock: h.clock, cache: h.deps.cache };
  await withTransaction(deps.database.db, (trx) => addMember(deps, trx, companyId, user.userId, role));
  await forgetMembership(deps, companyId, user.userId);
}

/** Fixture shortcut: gives a user the platform admin role, read from the user row on every request. */
export async function makePlatformAdmin(h: Pick<IdentityHarness, "database">, userId: string) {
  await h.database.handle.db.updateTable("users").set({ platform_role: "admin" }).where("id", "=", userId).execute();
}
