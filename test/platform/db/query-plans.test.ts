import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { createCompany, joinDirectly, newUser, type SignedIn } from "../../helpers/tenancy.ts";

const postgresEngine = (await enginesUnderTest()).find((e) => e.engine === "postgres");

interface Statement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/** Read whole by design: a row per kill switch and flag, read by every instance's switchboard. */
const READ_WHOLE = new Set(["platform_state"]);

/**
 * Every read of a table that no index condition narrows, by table: a sequential scan, or a
 * scan of a whole index (with sequential scans off, PostgreSQL picks the latter when no index
 * matches the filter, e.g. the primary key read end to end and filtered row by row).
 */
function unnarrowedScans(node: Record<string, unknown>): string[] {
  const type = node["Node Type"];
  const table = String(node["Relation Name"]);
  const whole =
    type === "Seq Scan" || ((type === "Index Scan" || type === "Index Only Scan") && node["Index Cond"] === undefined);
  const children = (node.Plans as Record<string, unknown>[] | undefined) ?? [];
  return [...(whole ? [table] : []), ...children.flatMap(unnarrowedScans)];
}

/**
 * Claims ledger D11: the queries Rampart really issues — captured from the pg driver while
 * a tenant's day runs through the HTTP API — each find an index for every table they filter.
 * With sequential scans disabled, PostgreSQL still plans one — or scans a whole index — where
 * no index can serve the query, so a query on an unindexed column (or an index a migration
 * dropped) fails here. Not caught: a condition on a later column of a composite index, which
 * PostgreSQL serves with a bitmap scan of that whole index (dropping `memberships_user_id`
 * leaves "my companies" on such a scan of the (company_id, user_id) primary key).
 */
describe("query plans (postgres)", { skip: postgresEngine?.skip ?? "no PostgreSQL engine" }, () => {
  let h: IdentityHarness;
  const captured: Statement[] = [];
  const originalQuery = pg.Client.prototype.query;

  before(async () => {
    if (!postgresEngine) return;
    h = await identityHarness(postgresEngine);
  });
  after(async () => {
    pg.Client.prototype.query = originalQuery;
    await h?.close();
  });

  async function call(
    who: SignedIn | { headers: Record<string, string> },
    method: string,
    url: string,
    payload?: object,
  ) {
    const res = await h.app.inject({ method: method as "GET", url, headers: who.headers, payload });
    assert.ok(res.statusCode < 400, `${method} ${url} → ${res.statusCode} ${res.body}`);
    return (res.body ? res.json() : {}) as Record<string, unknown> & { id: string };
  }

  it("finds an index for every table each query of the API filters", async () => {
    // Read the driver's traffic: the real SQL and parameters, not a restatement of them.
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [config, values] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
      const text = typeof config === "string" ? config : config?.text;
      if (typeof text === "string") {
        captured.push({ text, values: (typeof config === "string" ? values : config.values) ?? [] });
      }
      return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof pg.Client.prototype.query;

    const owner = await newUser(h, "owner");
    const member = await newUser(h, "member");
    const other = await newUser(h, "other");
    const a = await createCompany(h.app, owner, `plans-a-${Date.now()}`);
    const b = await createCompany(h.app, other, `plans-b-${Date.now()}`);
    await joinDirectly(h, a.id, member, "member");
    const base = `/api/v1/companies/${a.id}`;
    await call(owner, "GET", "/api/v1/users/me");
    await call(owner, "GET", "/api/v1/companies");
    await call(member, "GET", base);
    await call(owner, "PATCH", base, { name: "Renamed" });
    await call(owner, "GET", `${base}/members`);
    await call(owner, "PATCH", `${base}/members/${member.userId}`, { role: "manager" });
    await call(owner, "POST", `${base}/invitations`, { email: `invitee-${Date.now()}@example.com`, role: "member" });
    await call(owner, "GET", `${base}/invitations`);
    const key = await call(owner, "POST", `${base}/api-keys`, { name: "reader", scopes: ["company:read"] });
    await call({ headers: { "x-api-key": String(key.key) } }, "GET", base);
    await call(owner, "GET", `${base}/api-keys`);
    const partnership = await call(owner, "POST", `${base}/partners`, {
      partnerSlug: b.slug,
      scopes: ["company:read"],
    });
    await call(other, "POST", `/api/v1/companies/${b.id}/partners/${partnership.id}/accept`);
    await call(owner, "GET", `${base}/partners`);
    await call(owner, "GET", `${base}/audit-events`);
    await call(owner, "GET", "/api/v1/auth/sessions");
    pg.Client.prototype.query = originalQuery;

    const statements = new Map<string, Statement>();
    for (const s of captured) {
      if (/^\s*(select|update|delete|with)\b/i.test(s.text) && /\bfrom\b/i.test(s.text)) statements.set(s.text, s);
    }
    assert.ok(statements.size >= 20, `the flow issued ${statements.size} distinct reads/updates`);

    const client = new pg.Client({ connectionString: h.database.url });
    await client.connect();
    try {
      await client.query("set enable_seqscan = off");
      const unindexed: string[] = [];
      for (const [i, { text, values }] of [...statements.values()].entries()) {
        await client.query(`prepare q${i} as ${text}`);
        const literal = (v: unknown) =>
          v === null || v === undefined
            ? "null"
            : pg.escapeLiteral(
                v instanceof Date ? v.toISOString() : typeof v === "object" ? JSON.stringify(v) : String(v),
              );
        const args = values.length > 0 ? `(${values.map(literal).join(", ")})` : "";
        const explained = await client.query(`explain (format json) execute q${i}${args}`);
        const plan = (explained.rows[0] as { "QUERY PLAN": { Plan: Record<string, unknown> }[] })["QUERY PLAN"][0]
          ?.Plan;
        const tables = plan ? unnarrowedScans(plan).filter((t) => !READ_WHOLE.has(t)) : [];
        if (tables.length > 0) unindexed.push(`${tables.join(", ")} ← ${text}`);
      }
      assert.deepEqual(unindexed, [], "every filtered table is read through an index");
    } finally {
      await client.end();
    }
  });
});
