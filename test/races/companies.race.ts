import { after, before, describe, it } from "node:test";
import type { Role } from "../../src/platform/access/permissions.ts";
import { enginesUnderTest } from "../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../helpers/identity.ts";
import { createCompany, joinDirectly, newUser, type SignedIn } from "../helpers/tenancy.ts";
import { ok, race, serverErrors, TRIES } from "./harness.ts";
import { companyEvents, companyStatus, owners, roleIn, writeAfterRemoval } from "./state.ts";

let slugs = 0;

for (const engine of await enginesUnderTest()) {
  describe(`concurrent company transitions (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let owner: SignedIn;
    let admin: SignedIn;
    let c: SignedIn;
    let m: SignedIn;
    before(async () => {
      h = await identityHarness(engine);
      [owner, admin, c, m] = [
        await newUser(h, "owner"),
        await newUser(h, "admin"),
        await newUser(h, "c"),
        await newUser(h, "m"),
      ];
    });
    after(() => h.close());

    const call = (who: SignedIn, method: string, url: string, payload?: object) =>
      h.app.inject({
        method: method as "GET",
        url: `/api/v1${url}`,
        headers: who.headers,
        ...(payload ? { payload } : {}),
      });

    /** A fresh company owned by `owner` with the given members. */
    async function company(members: [SignedIn, Role][]) {
      const created = await createCompany(h.app, owner, `race-${engine.engine}-${++slugs}-${Date.now()}`);
      for (const [who, role] of members) await joinDirectly(h, created.id, who, role);
      return created.id;
    }

    async function ownerProblems(companyId: string): Promise<string[]> {
      const left = await owners(h, companyId);
      return left.length === 0 ? ["the company has no owner"] : [];
    }

    it("transfer to C while C leaves: the company keeps an owner", async () => {
      await race("transfer vs leave", engine.engine, async () => {
        const id = await company([[c, "member"]]);
        const [transfer, leave] = await Promise.all([
          call(owner, "POST", `/companies/${id}/transfer-ownership`, { userId: c.userId }),
          call(c, "POST", `/companies/${id}/leave`),
        ]);
        return [...serverErrors(transfer, leave), ...(await ownerProblems(id))];
      });
    });

    it("transfer to C while an admin removes C: the company keeps an owner", async () => {
      await race("transfer vs remove", engine.engine, async () => {
        const id = await company([
          [c, "member"],
          [admin, "admin"],
        ]);
        const [transfer, remove] = await Promise.all([
          call(owner, "POST", `/companies/${id}/transfer-ownership`, { userId: c.userId }),
          call(admin, "DELETE", `/companies/${id}/members/${c.userId}`),
        ]);
        return [...serverErrors(transfer, remove), ...(await ownerProblems(id))];
      });
    });

    it("transfer to C while an admin demotes C: an owner remains and no admin demoted an owner", async () => {
      await race("transfer vs demote", engine.engine, async () => {
        const id = await company([
          [c, "member"],
          [admin, "admin"],
        ]);
        const [transfer, demote] = await Promise.all([
          call(owner, "POST", `/companies/${id}/transfer-ownership`, { userId: c.userId }),
          call(admin, "PATCH", `/companies/${id}/members/${c.userId}`, { role: "viewer" }),
        ]);
        const problems = [...serverErrors(transfer, demote), ...(await ownerProblems(id))];
        // Both succeeded: the demotion must have come first, so C ends as owner.
        if (ok(transfer) && ok(demote) && (await roleIn(h, id, c.userId)) !== "owner")
          problems.push("an admin demoted the new owner");
        return problems;
      });
    });

    for (const [label, write, action] of [
      [
        "creates an API key",
        (id: string) => call(admin, "POST", `/companies/${id}/api-keys`, { name: "k", scopes: ["members:read"] }),
        "api_key.created",
      ],
      [
        "invites an admin",
        (id: string) =>
          call(admin, "POST", `/companies/${id}/invitations`, {
            email: `inv-${Date.now()}-${slugs}@example.com`,
            role: "admin",
          }),
        "invitation.created",
      ],
      [
        "promotes a member",
        (id: string) => call(admin, "PATCH", `/companies/${id}/members/${m.userId}`, { role: "manager" }),
        "member.role_changed",
      ],
    ] as const) {
      it(`an admin removed while it ${label}: the write is refused or committed before the removal`, async () => {
        await race(`remove admin vs admin ${label}`, engine.engine, async () => {
          const id = await company([
            [admin, "admin"],
            [m, "member"],
          ]);
          const [removal, done] = await Promise.all([
            call(owner, "DELETE", `/companies/${id}/members/${admin.userId}`),
            write(id),
          ]);
          const events = await companyEvents(h, id);
          return [...serverErrors(removal, done), ...writeAfterRemoval(events, admin, removal, done, action)];
        });
      });
    }

    it("the sole owner transfers to X and to Y at once: exactly one owner results", async () => {
      await race("transfer vs transfer", engine.engine, async () => {
        const id = await company([
          [c, "member"],
          [m, "member"],
        ]);
        const results = await Promise.all([
          call(owner, "POST", `/companies/${id}/transfer-ownership`, { userId: c.userId }),
          call(owner, "POST", `/companies/${id}/transfer-ownership`, { userId: m.userId }),
        ]);
        const left = await owners(h, id);
        return [...serverErrors(...results), ...(left.length === 1 ? [] : [`${left.length} owners`])];
      });
    });

    it("two owners transfer to each other: no 5xx and an owner remains", async () => {
      await race("owners transfer to each other", engine.engine, async () => {
        const id = await company([[c, "owner"]]);
        const results = await Promise.all([
          call(owner, "POST", `/companies/${id}/transfer-ownership`, { userId: c.userId }),
          call(c, "POST", `/companies/${id}/transfer-ownership`, { userId: owner.userId }),
        ]);
        return [...serverErrors(...results), ...(await ownerProblems(id))];
      });
    });

    it("concurrent role changes: each audit event's before is the previous event's after", async () => {
      await race(
        "role changes chain",
        engine.engine,
        async () => {
          const id = await company([
            [admin, "admin"],
            [m, "member"],
          ]);
          const roles: Role[] = ["viewer", "member", "manager"];
          const results = await Promise.all(
            Array.from({ length: 10 }, (_, i) =>
              call(i % 2 ? owner : admin, "PATCH", `/companies/${id}/members/${m.userId}`, { role: roles[i % 3] }),
            ),
          );
          const problems = serverErrors(...results);
          let previous: unknown = "member";
          for (const event of await companyEvents(h, id)) {
            if (event.action !== "member.role_changed") continue;
            if (event.metadata.before !== previous) problems.push(`before ${event.metadata.before} after ${previous}`);
            previous = event.metadata.after;
          }
          if (previous !== (await roleIn(h, id, m.userId))) problems.push("the last event's after is not the role");
          return problems;
        },
        Math.max(3, Math.ceil(TRIES / 2)),
      );
    });

    it("an invitation resent while its old link is accepted: the old link never joins after the resend", async () => {
      await race("resend vs accept old link", engine.engine, async (i) => {
        const id = await company([]);
        const invitee = await newUser(h, `invitee-${i}`);
        const sent = await call(owner, "POST", `/companies/${id}/invitations`, {
          email: invitee.email,
          role: "member",
        });
        const oldToken = h.linkToken(invitee.email);
        const invitationId = sent.json<{ id: string }>().id;
        const [resend, accept] = await Promise.all([
          call(owner, "POST", `/companies/${id}/invitations/${invitationId}/resend`),
          call(invitee, "POST", "/invitations/accept", { token: oldToken }),
        ]);
        const problems = serverErrors(resend, accept);
        // Accepted first, the resend finds it decided (409); resent first, the old link is dead (404).
        if (ok(resend) && ok(accept)) problems.push("the old link joined after the resend replaced it");
        const member = (await roleIn(h, id, invitee.userId)) !== undefined;
        if (member !== ok(accept)) problems.push(`accept ${accept.statusCode} but member: ${member}`);
        return problems;
      });
    });

    it("the owner deletes the company while a platform admin suspends it: it stays deleted", async () => {
      const operator = await newUser(h, "operator");
      await h.database.handle.db
        .updateTable("users")
        .set({ platform_role: "admin" })
        .where("id", "=", operator.userId)
        .execute();
      await race("delete vs suspend company", engine.engine, async () => {
        const id = await company([]);
        const [removal, suspension] = await Promise.all([
          call(owner, "DELETE", `/companies/${id}`),
          call(operator, "POST", `/admin/companies/${id}/suspend`),
        ]);
        const problems = serverErrors(removal, suspension);
        // Suspended first, the owner's delete is refused (403) like any request to a suspended company.
        if (!ok(removal))
          return removal.statusCode === 403 && ok(suspension)
            ? problems
            : [...problems, `delete ${removal.statusCode}`];
        const unsuspend = await call(operator, "POST", `/admin/companies/${id}/unsuspend`);
        if (ok(unsuspend)) problems.push("a deleted company was unsuspended");
        const row = await companyStatus(h, id);
        if (row.status !== "deleted") problems.push(`ends ${row.status} (deleted_at ${row.deleted_at})`);
        const mine = await call(owner, "GET", "/companies?limit=100");
        if (mine.json<{ items: { id: string }[] }>().items.some((item) => item.id === id))
          problems.push("the deleted company is listed again");
        return problems;
      });
    });
  });
}
