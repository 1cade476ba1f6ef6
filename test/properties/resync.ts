import assert from "node:assert/strict";
import { STRONG_PASSWORD } from "../helpers/identity.ts";
import type { Model } from "./model.ts";
import { headersOf, type World } from "./world.ts";

// After a concurrent batch (concurrent.ts) the model is not predicted but read back: which of
// the serialisable outcomes the app chose is the database's to say; witness.ts checks it was one.

/** The model as the database holds it: statuses, memberships, keys, invitations, partnerships. */
export async function resync(world: World, model: Model): Promise<void> {
  const db = world.h.database.handle.db;
  const users = new Map(
    (
      await db
        .selectFrom("users")
        .select(["id", "status"])
        .where(
          "id",
          "in",
          model.users.map((u) => u.id),
        )
        .execute()
    ).map((r) => [r.id, r.status]),
  );
  for (const u of model.users) {
    u.status = users.get(u.id) as typeof u.status;
    if (u.status !== "active") u.session = null;
  }
  const index = new Map(model.users.map((u, i) => [u.id, i]));
  for (const c of model.companies) {
    const row = await db.selectFrom("companies").select("status").where("id", "=", c.id).executeTakeFirstOrThrow();
    c.status = row.status;
    c.members.clear();
    const members = await db
      .selectFrom("memberships")
      .select(["user_id", "role"])
      .where("company_id", "=", c.id)
      .execute();
    for (const member of members) {
      const i = index.get(member.user_id);
      if (i !== undefined) c.members.set(i, member.role);
    }
  }
  for (const k of model.keys) {
    const row = await db.selectFrom("api_keys").select("revoked_at").where("id", "=", k.id).executeTakeFirstOrThrow();
    k.revoked = row.revoked_at !== null;
  }
  for (const p of model.partnerships) {
    const row = await db.selectFrom("partnerships").select("status").where("id", "=", p.id).executeTakeFirstOrThrow();
    p.status = row.status;
  }
  for (const inv of model.invitations) {
    const row = await db
      .selectFrom("invitations")
      .select(["status", "accepted_at", "revoked_at"])
      .where("id", "=", inv.id)
      .executeTakeFirstOrThrow();
    inv.status = row.accepted_at ? "accepted" : row.revoked_at ? "revoked" : "pending";
  }
}

/** Sessions revoked by the batch (suspension) are replaced between batches, so actors keep acting. */
export async function signInAgain(world: World, model: Model): Promise<void> {
  for (const u of model.users) {
    if (u.status !== "active") continue;
    const me = u.session
      ? await world.call("GET", "/api/v1/users/me", headersOf(model, { user: model.users.indexOf(u) }) ?? {})
      : undefined;
    if (me?.status === 200) continue;
    const res = await world.call(
      "POST",
      "/api/v1/auth/login",
      {},
      { email: u.email, password: STRONG_PASSWORD, clientType: "native" },
    );
    assert.equal(res.status, 200, `an active account signs in (${res.status})`);
    u.session = { accessToken: String(res.body.accessToken), refreshToken: String(res.body.refreshToken) };
  }
}
