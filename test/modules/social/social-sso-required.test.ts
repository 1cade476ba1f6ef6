import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { signedInUser } from "../../helpers/identity.ts";
import { type SsoWorld, ssoWorld } from "../sso/fixture.ts";
import { type Providers, socialLink, socialSignIn, startProviders } from "./fixture.ts";

// The sso module's own test world (a company, its verified domain on a local DNS server and
// its IdP), imported read-only, with social sign-in enabled beside it.

for (const engine of await enginesUnderTest()) {
  describe(`SSO required refuses social sign-in (${engine.engine})`, { skip: engine.skip }, () => {
    let w: SsoWorld;
    let p: Providers;
    let linkedSub: string;
    const person = (sub: string, email: string) => {
      p.idp.accounts.set(sub, { sub, email, email_verified: true });
      return sub;
    };

    before(async () => {
      p = await startProviders();
      w = await ssoWorld(engine, p.env);
      // A member of the domain who linked a provider before the company required SSO.
      const member = await signedInUser(w.h, `linked@${w.domain}`);
      linkedSub = person(`linked-${Date.now()}`, `someone@elsewhere.example`);
      const linked = await socialLink(w.h.app, p, "oidc", linkedSub, member.accessToken);
      assert.equal(linked.statusCode, 200, linked.body);
      assert.equal((await socialSignIn(w.h.app, p, "oidc", linkedSub)).statusCode, 200, "works before");
      const domains = await w.h.app.inject({
        url: `/api/v1/companies/${w.company.id}/sso/domains`,
        headers: w.owner.headers,
      });
      const domainId = (domains.json() as { items: { id: string }[] }).items[0]?.id as string;
      const required = await w.h.app.inject({
        method: "PUT",
        url: `/api/v1/companies/${w.company.id}/sso/domains/${domainId}/policy`,
        headers: w.owner.headers,
        payload: { ssoRequired: true },
      });
      assert.equal(required.statusCode, 200, required.body);
    });
    after(async () => {
      await w?.close();
      await p?.close();
    });

    it("a social sign-up of the domain's address is refused with a pointer to SSO; nothing is created", async () => {
      const email = `newcomer@${w.domain}`;
      const res = await socialSignIn(w.h.app, p, "oidc", person(`newcomer-${Date.now()}`, email));
      assert.equal(res.statusCode, 403, res.body);
      const problem = res.json() as { code: string; ssoStart: { body: { companySlug: string } } };
      assert.equal(problem.code, "auth.sso_required");
      assert.equal(problem.ssoStart.body.companySlug, w.company.slug);
      const users = await w.h.database.handle.db.selectFrom("users").select("id").where("email", "=", email).execute();
      assert.equal(users.length, 0);
    });

    it("a linked account of the domain can no longer sign in through its provider", async () => {
      const res = await socialSignIn(w.h.app, p, "oidc", linkedSub);
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().code, "auth.sso_required");
    });
  });
}
