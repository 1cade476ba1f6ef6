import assert from "node:assert/strict";
import { isStronger, type Permission, type Role } from "../../src/platform/access/permissions.ts";
import { parseJson } from "../../src/platform/db/dialect.ts";
import { type Model, permissionsOfRole } from "./model.ts";
import type { World } from "./world.ts";

/*
 * The audit chain as the witness of a serial order (issue #28): a company's stream records
 * its transitions in the order they committed. Replayed from the state before a concurrent
 * batch, every event must have been legal at its place in that order, and the replay must
 * end where the database is. Any interleaving the app chose is accepted; one that no serial
 * order explains is not.
 */

export interface ChainStart {
  readonly seq: number;
  readonly status: string;
  /** user id → role */
  readonly roles: Map<string, Role>;
  readonly revokedKeys: Set<string>;
}

export async function chainStart(world: World, model: Model, c: number): Promise<ChainStart> {
  const company = model.companies[c];
  assert.ok(company);
  const head = await world.h.database.handle.db
    .selectFrom("audit_chain_heads")
    .select("last_seq")
    .where("stream", "=", `company:${company.id}`)
    .executeTakeFirst();
  const roles = new Map<string, Role>();
  for (const [u, r] of company.members) roles.set(model.users[u]?.id ?? "", r);
  return {
    seq: Number(head?.last_seq ?? 0),
    status: company.status,
    roles,
    revokedKeys: new Set(model.keys.filter((k) => k.revoked).map((k) => k.id)),
  };
}

/** What a member needs for the actions a member (or a key) can take. */
const NEEDS: Readonly<Record<string, Permission>> = {
  "member.role_changed": "members:update",
  "member.removed": "members:remove",
  "company.ownership_transferred": "company:transfer",
  "company.updated": "company:update",
  "company.deleted": "company:delete",
  "api_key.created": "api_keys:manage",
  "api_key.revoked": "api_keys:manage",
  "invitation.created": "members:invite",
  "invitation.revoked": "members:invite",
  "partnership.requested": "partners:manage",
  "partnership.accepted": "partners:manage",
  "partnership.rejected": "partners:manage",
  "partnership.revoked": "partners:manage",
};

export async function checkChain(world: World, model: Model, c: number, start: ChainStart): Promise<void> {
  const company = model.companies[c];
  assert.ok(company);
  const rows = await world.h.database.handle.db
    .selectFrom("audit_events")
    .select(["seq", "action", "actor_type", "actor_id", "target_id", "metadata"])
    .where("stream", "=", `company:${company.id}`)
    .where("seq", ">", start.seq)
    .orderBy("seq")
    .execute();
  const roles = new Map(start.roles);
  const revoked = new Set(start.revokedKeys);
  let status = start.status;
  for (const row of rows) {
    const at = `company#${c} event ${row.seq} ${row.action} by ${row.actor_type}`;
    const meta = parseJson<Record<string, unknown>>(row.metadata);
    const target = row.target_id ?? "";
    const own = row.actor_type === "user" ? roles.get(row.actor_id ?? "") : undefined;
    const erasure = row.action === "member.removed" && meta.reason === "account_deleted";
    // An account's erasure removes its memberships everywhere, deleted companies included; a
    // refusal (access.*, decided at the edge a moment before) changes nothing.
    if (!erasure && !row.action.startsWith("access."))
      assert.notEqual(status, "deleted", `${at}: recorded after the company was deleted`);
    const needs = NEEDS[row.action];
    if (needs && !erasure) {
      if (row.actor_type === "user") {
        assert.ok(own !== undefined, `${at}: the actor was no longer a member`);
        assert.ok(permissionsOfRole(own).has(needs), `${at}: the actor's role ${own} lacks ${needs}`);
      }
      if (row.actor_type === "api_key") assert.ok(!revoked.has(row.actor_id ?? ""), `${at}: the key was revoked`);
      assert.equal(status, "active", `${at}: the company was ${status}`);
    }
    const hadRole = roles.get(target);
    const beforeIs = (why: string) =>
      assert.equal(meta.before, hadRole ?? null, `${at}: before=${String(meta.before)} but ${why} was ${hadRole}`);
    switch (row.action) {
      case "member.role_changed": {
        beforeIs("the target");
        const after = meta.after as Role;
        if (own === undefined || (hadRole && isStronger(hadRole, own)) || isStronger(after, own))
          assert.fail(`${at}: rank rules (actor ${own}, target ${hadRole} → ${after})`);
        roles.set(target, after);
        break;
      }
      case "member.removed":
        beforeIs("the target");
        if (!erasure && (own === undefined || (hadRole && isStronger(hadRole, own))))
          assert.fail(`${at}: rank rules (actor ${own}, target ${hadRole})`);
        roles.delete(target);
        break;
      case "member.left":
        beforeIs("the member");
        roles.delete(target);
        break;
      case "company.ownership_transferred":
        beforeIs("the new owner");
        assert.ok(hadRole !== undefined, `${at}: the new owner was not a member`);
        assert.equal(own, "owner", `${at}: the actor was ${own}, not owner`);
        roles.set(target, "owner");
        roles.set(row.actor_id ?? "", "admin");
        break;
      case "invitation.created":
        if (own !== undefined && isStronger(meta.role as Role, own)) assert.fail(`${at}: invited above its own rank`);
        break;
      case "invitation.accepted":
        assert.equal(status, "active", `${at}: joined a ${status} company`);
        roles.set(String(meta.userId), meta.role as Role);
        break;
      case "api_key.revoked":
        revoked.add(target);
        break;
      case "company.deleted":
      case "company.suspended":
      case "company.unsuspended":
        assert.equal(meta.before, status, `${at}: before=${String(meta.before)} but the company was ${status}`);
        status = String(meta.after);
        break;
    }
    if (status !== "deleted" && roles.size > 0)
      assert.ok([...roles.values()].includes("owner"), `${at}: left the company without an owner`);
  }
  // The replayed order must explain the state the database ended in.
  const ids = new Map(model.users.map((u, i) => [u.id, i]));
  const replayed = [...roles].map(([id, r]) => `user#${ids.get(id)}:${r}`).sort();
  const stored = [...company.members].map(([u, r]) => `user#${u}:${r}`).sort();
  assert.deepEqual(replayed, stored, `company#${c}: the audit chain does not explain the memberships`);
  assert.equal(status, company.status, `company#${c}: the audit chain does not explain the status`);
}
