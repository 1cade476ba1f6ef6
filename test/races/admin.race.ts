import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { hasRowLocks } from "../../src/platform/db/locked-transaction.ts";
import { enginesUnderTest } from "../helpers/database.ts";
import { type IdentityHarness, identityHarness, STRONG_PASSWORD } from "../helpers/identity.ts";
import { createCompany, joinDirectly, makePlatformAdmin, newUser, type SignedIn } from "../helpers/tenancy.ts";
import { overlapAtChainHead, sawDeadlock } from "./barrier.ts";
import { ok, race, serverErrors } from "./harness.ts";
import { companyEvents, companyStatus, roleIn, seqOf, userStatus } from "./state.ts";

let slugs = 0;

for (const engine of await enginesUnderTest()) {
  describe(`concurrent administration, invitations and keys (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let owner: SignedIn;
    before(async () => {
      h = await identityHarness(engine);
      owner = await newUser(h, "owner");
    });
    after(() => h.close());

    const call = (who: { headers: Record<string, string> }, method: string, url: string, payload?: object) =>
      h.app.inject({
        method: method as "GET",
        url: `/api/v1${url}`,
        headers: who.headers,
        ...(payload ? { payload } : {}),
      });
    /** Whether the company's trail records the account's removal by its deletion. */
    const removedOnDeletion = async (companyId: string, userId: string) =>
      (await companyEvents(h, companyId)).some((e) => e.action === "member.removed" && e.targetId === userId);
    const newCompany = async () =>
      (await createCompany(h.app, owner, `arace-${engine.engine}-${++slugs}-${Date.now()}`)).id;

    it("two platform admins suspend each other: never both", async () => {
      await race("admins suspend each other", engine.engine, async () => {
        const [a, b] = [await newUser(h, "opa"), await newUser(h, "opb")];
        await makePlatformAdmin(h, a.userId);
        await makePlatformAdmin(h, b.userId);
        const results = await Promise.all([
          call(a, "POST", `/admin/users/${b.userId}/suspend`),
          call(b, "POST", `/admin/users/${a.userId}/suspend`),
        ]);
        const problems = serverErrors(...results);
        if ((await userStatus(h, a.userId)) === "suspended" && (await userStatus(h, b.userId)) === "suspended")
          problems.push("both admins suspended each other");
        return problems;
      });
    });

    it("a user deletes their account while being suspended: it stays deleted", async () => {
      const operator = await newUser(h, "operator");
      await makePlatformAdmin(h, operator.userId);
      await race("delete account vs suspend user", engine.engine, async (i) => {
        const user = await newUser(h, "leaving");
        // PostgreSQL: the deletion is held at the platform stream's head, its last lock, until
        // the suspension has read the account and is waiting (barrier.ts). SQLite: deleting
        // verifies the password first (tens of ms), so the suspension is staggered across that window.
        const results = await overlapAtChainHead(
          h,
          "platform",
          () => call(user, "DELETE", "/users/me", { password: STRONG_PASSWORD }),
          () =>
            sleep(hasRowLocks(h.database.handle.db) ? 0 : (i % 6) * 8).then(() =>
              call(operator, "POST", `/admin/users/${user.userId}/suspend`),
            ),
        );
        const problems = serverErrors(...results);
        const unsuspend = await call(operator, "POST", `/admin/users/${user.userId}/unsuspend`);
        if (ok(results[0]) && ok(unsuspend)) problems.push("a deleted account was unsuspended");
        const status = await userStatus(h, user.userId);
        if (ok(results[0]) && status !== "deleted") problems.push(`the deleted account ends ${status}`);
        return problems;
      });
    });

    it("a member deletes their account while an admin removes them: one removal, recorded once", async () => {
      const admin = await newUser(h, "remover");
      await race("delete account vs remove member", engine.engine, async () => {
        const id = await newCompany();
        await joinDirectly(h, id, admin, "admin");
        const member = await newUser(h, "member");
        await joinDirectly(h, id, member, "member");
        // PostgreSQL: the removal is held at the company stream's head while the deletion reads.
        const [removal, deletion] = await overlapAtChainHead(
          h,
          `company:${id}`,
          () => call(admin, "DELETE", `/companies/${id}/members/${member.userId}`),
          () => call(member, "DELETE", "/users/me", { password: STRONG_PASSWORD }),
        );
        const problems = serverErrors(removal, deletion);
        const removals = (await companyEvents(h, id)).filter(
          (e) => e.action === "member.removed" && e.targetId === member.userId,
        );
        if (removals.length !== 1) problems.push(`${removals.length} member.removed events for one removal`);
        if ((await roleIn(h, id, member.userId)) !== undefined) problems.push("still a member");
        return problems;
      });
    });

    it("a member deletes their account while an invitation they sent is accepted: no deadlock", async () => {
      await race("delete account vs accept their invitation", engine.engine, async () => {
        const id = await newCompany();
        const leaving = await newUser(h, "leaving-inviter");
        await joinDirectly(h, id, leaving, "admin");
        const other = await newUser(h, "joining");
        const invite = await call(leaving, "POST", `/companies/${id}/invitations`, {
          email: other.email,
          role: "member",
        });
        if (invite.statusCode !== 201) return [`invite answered ${invite.statusCode}`];
        const otherToken = h.linkToken(other.email);
        // PostgreSQL: the deletion is held at the platform head while the acceptance locks its rows.
        const { result, cycle } = await (hasRowLocks(h.database.handle.db)
          ? sawDeadlock(
              h,
              overlapAtChainHead(
                h,
                "platform",
                () => call(leaving, "DELETE", "/users/me", { password: STRONG_PASSWORD }),
                () => call(other, "POST", "/invitations/accept", { token: otherToken }),
              ),
            )
          : Promise.all([
              call(leaving, "DELETE", "/users/me", { password: STRONG_PASSWORD }),
              call(other, "POST", "/invitations/accept", { token: otherToken }),
            ]).then((r) => ({ result: r, cycle: false })));
        const [deletion, accept] = result;
        const problems = serverErrors(deletion, accept);
        if (cycle) problems.push("the deletion and the acceptance waited for each other (deadlock)");
        if (ok(accept) !== ((await roleIn(h, id, other.userId)) !== undefined))
          problems.push(`accept answered ${accept.statusCode} but membership disagrees`);
        return problems;
      });
    });

    it("a user accepts an invitation while deleting their own account: a deleted account joins nothing", async () => {
      await race("accept vs delete own account", engine.engine, async () => {
        const id = await newCompany();
        const joining = await newUser(h, "joining-leaving");
        const invite = await call(owner, "POST", `/companies/${id}/invitations`, {
          email: joining.email,
          role: "member",
        });
        if (invite.statusCode !== 201) return [`invite answered ${invite.statusCode}`];
        const token = h.linkToken(joining.email);
        // PostgreSQL: the deletion is held at the platform head (its user row locked) while the
        // acceptance runs into it.
        const overlap = () =>
          overlapAtChainHead(
            h,
            "platform",
            () => call(joining, "DELETE", "/users/me", { password: STRONG_PASSWORD }),
            () => call(joining, "POST", "/invitations/accept", { token }),
          );
        const { result, cycle } = hasRowLocks(h.database.handle.db)
          ? await sawDeadlock(h, overlap())
          : { result: await overlap(), cycle: false };
        const [deletion, accept] = result;
        const problems = serverErrors(deletion, accept);
        if (cycle) problems.push("the deletion and the acceptance waited for each other (deadlock)");
        const role = await roleIn(h, id, joining.userId);
        if (ok(deletion) && role !== undefined) problems.push(`the deleted account is a ${role} of the company`);
        if (ok(accept) && ok(deletion) && role === undefined && !(await removedOnDeletion(id, joining.userId)))
          problems.push("accepted, then gone without a member.removed");
        return problems;
      });
    });

    it("an invitation accepted while its company is deleted: no member joins a deleted company", async () => {
      await race("accept vs delete company", engine.engine, async () => {
        const invitee = await newUser(h, "invitee");
        const id = await newCompany();
        const invite = await call(owner, "POST", `/companies/${id}/invitations`, {
          email: invitee.email,
          role: "member",
        });
        if (invite.statusCode !== 201) return [`invite answered ${invite.statusCode}`];
        const token = h.linkToken(invitee.email);
        const [accept, remove] = await Promise.all([
          call(invitee, "POST", "/invitations/accept", { token }),
          call(owner, "DELETE", `/companies/${id}`),
        ]);
        const problems = serverErrors(accept, remove);
        const joined = (await roleIn(h, id, invitee.userId)) !== undefined;
        if (joined !== ok(accept)) problems.push(`accept answered ${accept.statusCode} but membership ${joined}`);
        const events = await companyEvents(h, id);
        const acceptedAt = seqOf(events, "invitation.accepted");
        const deletedAt = seqOf(events, "company.deleted");
        if (acceptedAt !== undefined && deletedAt !== undefined && acceptedAt > deletedAt)
          problems.push("a member joined after the company was deleted");
        if ((await companyStatus(h, id)).status !== "deleted") problems.push("the company is not deleted");
        return problems;
      });
    });

    it("a write with an API key racing its revocation commits before the revocation or not at all", async () => {
      const admin = await newUser(h, "keyadmin");
      await race("key write vs revoke", engine.engine, async () => {
        const id = await newCompany();
        await joinDirectly(h, id, admin, "admin");
        const created = await call(owner, "POST", `/companies/${id}/api-keys`, {
          name: "k",
          scopes: ["company:update"],
        });
        const { id: keyId, key } = created.json<{ id: string; key: string }>();
        const [write, revoke] = await Promise.all([
          call({ headers: { "x-api-key": key } }, "PATCH", `/companies/${id}`, { name: `Renamed ${slugs}` }),
          call(admin, "DELETE", `/companies/${id}/api-keys/${keyId}`),
        ]);
        const problems = serverErrors(write, revoke);
        const events = await companyEvents(h, id);
        const wroteAt = seqOf(events, "company.updated");
        const revokedAt = seqOf(events, "api_key.revoked");
        if (wroteAt !== undefined && revokedAt !== undefined && wroteAt > revokedAt)
          problems.push("the key's write committed after its revocation");
        return problems;
      });
    });
  });
}
