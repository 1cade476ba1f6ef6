import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../helpers/identity.ts";
import { createCompany, joinDirectly, newUser, type SignedIn } from "../helpers/tenancy.ts";
import { overlapAtChainHead } from "./barrier.ts";
import { ok, race, serverErrors } from "./harness.ts";
import { companyEvents, companyStatus, seqOf, writeAfterRemoval } from "./state.ts";

let slugs = 0;

for (const engine of await enginesUnderTest()) {
  describe(`concurrent partnership transitions (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let owner: SignedIn;
    let other: SignedIn;
    let admin: SignedIn;
    before(async () => {
      h = await identityHarness(engine);
      [owner, other, admin] = [await newUser(h, "powner"), await newUser(h, "pother"), await newUser(h, "padmin")];
    });
    after(() => h.close());

    const call = (who: { headers: Record<string, string> }, method: string, url: string, payload?: object) =>
      h.app.inject({
        method: method as "GET",
        url: `/api/v1${url}`,
        headers: who.headers,
        ...(payload ? { payload } : {}),
      });
    const newCompany = async (by: SignedIn) =>
      createCompany(h.app, by, `prace-${engine.engine}-${++slugs}-${Date.now()}`);

    /** Two companies, A (owner, with `admin` as admin) and B (other), and optionally a pending A→B request. */
    async function pair(pending: boolean) {
      const a = await newCompany(owner);
      const b = await newCompany(other);
      await joinDirectly(h, a.id, admin, "admin");
      await joinDirectly(h, b.id, admin, "admin");
      if (!pending) return { a, b, id: "" };
      const requested = await call(owner, "POST", `/companies/${a.id}/partners`, {
        partnerSlug: b.slug,
        scopes: ["company:read"],
      });
      if (requested.statusCode !== 201) throw new Error(`request answered ${requested.statusCode}`);
      return { a, b, id: requested.json<{ id: string }>().id };
    }

    async function partnershipRow(id: string) {
      return h.database.handle.db
        .selectFrom("partnerships")
        .select(["status", "updated_at"])
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
    }

    for (const [label, side, write, action] of [
      [
        "requests a partnership",
        "a",
        (ids: { a: { id: string }; b: { slug: string } }) =>
          call(admin, "POST", `/companies/${ids.a.id}/partners`, { partnerSlug: ids.b.slug, scopes: ["company:read"] }),
        "partnership.requested",
      ],
      [
        "accepts a partnership",
        "b",
        (ids: { b: { id: string }; id: string }) =>
          call(admin, "POST", `/companies/${ids.b.id}/partners/${ids.id}/accept`),
        "partnership.accepted",
      ],
      [
        "revokes a partnership",
        "a",
        (ids: { a: { id: string }; id: string }) => call(admin, "DELETE", `/companies/${ids.a.id}/partners/${ids.id}`),
        "partnership.revoked",
      ],
    ] as const) {
      it(`an admin removed while it ${label}: the write is refused or committed before the removal`, async () => {
        await race(`remove admin vs admin ${label}`, engine.engine, async () => {
          const ids = await pair(action !== "partnership.requested");
          const company = side === "a" ? ids.a : ids.b;
          const remover = side === "a" ? owner : other;
          const [removal, done] = await Promise.all([
            call(remover, "DELETE", `/companies/${company.id}/members/${admin.userId}`),
            write(ids as never),
          ]);
          const events = await companyEvents(h, company.id);
          return [...serverErrors(removal, done), ...writeAfterRemoval(events, admin, removal, done, action)];
        });
      });
    }

    it("a write with an API key racing its revocation commits before the revocation or not at all", async () => {
      await race("partners key write vs revoke", engine.engine, async () => {
        const { a, b } = await pair(false);
        const created = await call(owner, "POST", `/companies/${a.id}/api-keys`, {
          name: "k",
          scopes: ["partners:manage"],
        });
        const { id: keyId, key } = created.json<{ id: string; key: string }>();
        const [write, revoke] = await Promise.all([
          call({ headers: { "x-api-key": key } }, "POST", `/companies/${a.id}/partners`, {
            partnerSlug: b.slug,
            scopes: ["company:read"],
          }),
          call(admin, "DELETE", `/companies/${a.id}/api-keys/${keyId}`),
        ]);
        const problems = serverErrors(write, revoke);
        const events = await companyEvents(h, a.id);
        const wroteAt = seqOf(events, "partnership.requested");
        const revokedAt = seqOf(events, "api_key.revoked");
        if (wroteAt !== undefined && revokedAt !== undefined && wroteAt > revokedAt)
          problems.push("the key's write committed after its revocation");
        return problems;
      });
    });

    it("accept racing revoke: revoked stays revoked and the revocation records the status it ended", async () => {
      await race("accept vs revoke partnership", engine.engine, async () => {
        const { a, b, id } = await pair(true);
        // PostgreSQL: the acceptance is held at its company's stream head (its last lock, the
        // partnership row already changed) while the revocation reads and waits (barrier.ts).
        const [accept, revoke] = await overlapAtChainHead(
          h,
          `company:${b.id}`,
          () => call(other, "POST", `/companies/${b.id}/partners/${id}/accept`),
          () => call(owner, "DELETE", `/companies/${a.id}/partners/${id}`),
        );
        const problems = serverErrors(accept, revoke);
        if (!ok(revoke)) problems.push(`revoke answered ${revoke.statusCode}`);
        const row = await partnershipRow(id);
        if (row.status !== "revoked") problems.push(`ends ${row.status}`);
        const revoked = (await companyEvents(h, a.id)).find((e) => e.action === "partnership.revoked");
        // Both answered 2xx only if the acceptance came first: the revocation ended an active partnership.
        const ended = ok(accept) ? "active" : "pending";
        if (revoked?.metadata.before !== ended)
          problems.push(`revoked records before=${String(revoked?.metadata.before)}, it ended ${ended}`);
        return problems;
      });
    });

    it("accept racing the requester's deletion: a deleted company's request is never accepted", async () => {
      await race("accept vs delete requester", engine.engine, async () => {
        const { a, b, id } = await pair(true);
        const [accept, removal] = await Promise.all([
          call(other, "POST", `/companies/${b.id}/partners/${id}/accept`),
          call(owner, "DELETE", `/companies/${a.id}`),
        ]);
        const problems = serverErrors(accept, removal);
        if (!ok(accept) || !ok(removal)) return problems;
        // Both succeeded: the acceptance must have been decided before the deletion, not after it.
        const row = await partnershipRow(id);
        const { deleted_at } = await companyStatus(h, a.id);
        if (deleted_at !== null && row.updated_at > deleted_at)
          problems.push(`accepted at ${row.updated_at}, after the requester was deleted at ${deleted_at}`);
        return problems;
      });
    });
  });
}
