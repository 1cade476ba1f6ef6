import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { recheckVerifiedDomains } from "../../../src/modules/sso/index.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import { createCompany, newUser, type SignedIn } from "../../helpers/tenancy.ts";
import { type SsoWorld, ssoWorld, uniqueDomain, verifyDomain } from "./fixture.ts";

/** What the recheck job runs with: the app's database, clock and logger, and DNS servers. */
function recheckDeps(w: SsoWorld, dnsServers: string[]) {
  return {
    database: w.h.database.handle,
    clock: w.h.clock,
    logger: w.h.deps.logger,
    settings: { dnsServers, dnsTimeoutMs: 300 },
  };
}

for (const engine of await enginesUnderTest()) {
  describe(`domain verification by DNS TXT on a local DNS server (${engine.engine})`, { skip: engine.skip }, () => {
    let w: SsoWorld;
    let rivalOwner: SignedIn;
    let rival: { id: string };
    before(async () => {
      w = await ssoWorld(engine);
      rivalOwner = await newUser(w.h, "rival-owner");
      rival = await createCompany(w.h.app, rivalOwner, `rival-${Date.now()}`);
    });
    after(() => w.close());

    const claim = (owner: SignedIn, companyId: string, domain: string) =>
      w.h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${companyId}/sso/domains`,
        headers: owner.headers,
        payload: { domain },
      });
    const verify = (owner: SignedIn, companyId: string, id: string) =>
      w.h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${companyId}/sso/domains/${id}/verify`,
        headers: owner.headers,
      });

    it("a claim gets a TXT token; verify fails until the record is published, then succeeds", async () => {
      const domain = uniqueDomain("Example").toUpperCase();
      const res = await claim(w.owner, w.company.id, `${domain}.`);
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json() as {
        id: string;
        domain: string;
        status: string;
        txtRecord: { name: string; value: string };
      };
      assert.equal(body.domain, domain.toLowerCase(), "stored lower-case, without the trailing dot");
      assert.equal(body.status, "pending");
      assert.equal(body.txtRecord.name, `_rampart-verify.${domain.toLowerCase()}`);
      assert.match(body.txtRecord.value, /^rampart-verify=[A-Za-z0-9_-]{32}$/);

      const early = await verify(w.owner, w.company.id, body.id);
      assert.equal(early.statusCode, 409);
      assert.equal(early.json().code, "sso.domain_not_verified");
      // Another value at the name is not the token.
      w.dns.setTxt(body.txtRecord.name, ["rampart-verify=somebody-elses-token"]);
      assert.equal((await verify(w.owner, w.company.id, body.id)).statusCode, 409);

      w.dns.setTxt(body.txtRecord.name, [body.txtRecord.value]);
      const ok = await verify(w.owner, w.company.id, body.id);
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().status, "verified");
      assert.ok(ok.json().verifiedAt);
    });

    it("a second company cannot claim a verified domain, nor verify one it claimed before (takeover refused)", async () => {
      // Verified by the fixture's company.
      const taken = await claim(rivalOwner, rival.id, w.domain);
      assert.equal(taken.statusCode, 409);
      assert.equal(taken.json().code, "sso.domain_taken");

      // Both claim a fresh domain while it is unverified; the first to verify owns it.
      const domain = uniqueDomain("contested");
      const mine = (await claim(w.owner, w.company.id, domain)).json() as {
        id: string;
        txtRecord: { name: string; value: string };
      };
      const theirs = await claim(rivalOwner, rival.id, domain);
      assert.equal(theirs.statusCode, 201, "claiming an unverified domain is allowed");
      const their = theirs.json() as { id: string; txtRecord: { value: string } };
      // Both tokens published (the rival somehow controls a record too): still one owner.
      w.dns.setTxt(mine.txtRecord.name, [mine.txtRecord.value, their.txtRecord.value]);
      assert.equal((await verify(w.owner, w.company.id, mine.id)).statusCode, 200);
      const late = await verify(rivalOwner, rival.id, their.id);
      assert.equal(late.statusCode, 409);
      assert.equal(late.json().code, "sso.domain_taken");
      const rows = await w.h.database.handle.db
        .selectFrom("sso_domains")
        .select(["company_id", "status"])
        .where("domain", "=", domain)
        .where("status", "=", "verified")
        .execute();
      assert.deepEqual(
        rows.map((r) => r.company_id),
        [w.company.id],
      );
      // The rival's discovery of an address there routes to the owner's IdP, never elsewhere.
      const start = await w.h.app.inject({
        method: "POST",
        url: "/api/v1/auth/sso/start",
        payload: { email: `x@${domain}` },
      });
      assert.ok((start.json() as { redirectUrl: string }).redirectUrl.startsWith(w.idp.issuer));
    });

    it("two companies verifying the same domain at the same instant: exactly one wins", async () => {
      const domain = uniqueDomain("race");
      const a = (await claim(w.owner, w.company.id, domain)).json() as {
        id: string;
        txtRecord: { name: string; value: string };
      };
      const b = (await claim(rivalOwner, rival.id, domain)).json() as { id: string; txtRecord: { value: string } };
      w.dns.setTxt(a.txtRecord.name, [a.txtRecord.value, b.txtRecord.value]);
      const answers = await Promise.all([verify(w.owner, w.company.id, a.id), verify(rivalOwner, rival.id, b.id)]);
      assert.deepEqual(answers.map((r) => r.statusCode).sort(), [200, 409], answers.map((r) => r.body).join("\n"));
      const loser = answers.find((r) => r.statusCode === 409);
      assert.equal(loser?.json().code, "sso.domain_taken");
      const verified = await w.h.database.handle.db
        .selectFrom("sso_domains")
        .select("company_id")
        .where("domain", "=", domain)
        .where("status", "=", "verified")
        .execute();
      assert.equal(verified.length, 1);
    });

    it("the same company cannot claim a domain twice; members without sso:manage cannot claim", async () => {
      const again = await claim(w.owner, w.company.id, w.domain);
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, "sso.domain_already_claimed");
      const bad = await claim(w.owner, w.company.id, "not a domain");
      assert.equal(bad.statusCode, 422);
      const stranger = await claim(rivalOwner, w.company.id, uniqueDomain("x"));
      assert.equal(stranger.statusCode, 404);
    });

    it("the periodic recheck un-verifies a domain whose record is gone (and drops its SSO requirement)", async () => {
      const domain = uniqueDomain("fleeting");
      const claimed = await verifyDomain(w.h, w.dns, w.owner, w.company.id, domain);
      const required = await w.h.app.inject({
        method: "PUT",
        url: `/api/v1/companies/${w.company.id}/sso/domains/${claimed.id}/policy`,
        headers: w.owner.headers,
        payload: { ssoRequired: true },
      });
      assert.equal(required.statusCode, 200, required.body);
      const deps = recheckDeps(w, [w.dns.address]);
      // Still there: nothing changes.
      let report = await recheckVerifiedDomains(deps);
      assert.ok(!report.lost.includes(domain));
      w.dns.removeTxt(claimed.txtRecord.name);
      report = await recheckVerifiedDomains(deps);
      assert.ok(report.lost.includes(domain));
      const after = await w.h.app.inject({
        method: "GET",
        url: `/api/v1/companies/${w.company.id}/sso/domains/${claimed.id}`,
        headers: w.owner.headers,
      });
      assert.equal(after.json().status, "pending");
      assert.equal(after.json().ssoRequired, false);
      // Unverified: another company may now claim and verify it.
      const theirs = await claim(rivalOwner, rival.id, domain);
      assert.equal(theirs.statusCode, 201);
      // The company's audit trail says why.
      const events = await w.h.database.handle.db
        .selectFrom("audit_events")
        .select("action")
        .where("company_id", "=", w.company.id)
        .where("action", "=", "sso_domain.verification_lost")
        .execute();
      assert.equal(events.length, 1);
    });

    it("a DNS server that does not answer changes nothing at the recheck", async () => {
      // Port 9 (discard) on loopback: nobody answers, every lookup times out.
      const deps = recheckDeps(w, ["127.0.0.1:9"]);
      const report = await recheckVerifiedDomains(deps);
      assert.deepEqual(report.lost, []);
      const verified = await w.h.database.handle.db
        .selectFrom("sso_domains")
        .select("domain")
        .where("domain", "=", w.domain)
        .where("status", "=", "verified")
        .execute();
      assert.equal(verified.length, 1);
    });
  });
}
