import assert from "node:assert/strict";
import fc from "fast-check";
import { PARTNER_SCOPES, type Permission, ROLES, type Role } from "../../src/platform/access/permissions.ts";
import { STRONG_PASSWORD } from "../helpers/identity.ts";
import { KEY_SCOPES, type Model } from "./model.ts";
import { resync, signInAgain } from "./resync.ts";
import { type ChainStart, chainStart, checkChain } from "./witness.ts";
import { checkInvariants, headersOf, type World } from "./world.ts";

/*
 * Issue #28: the concurrent mode of the business-invariant property tests. A run is a
 * sequence of BATCHES; a batch is 2–4 state-changing calls aimed at one company, fired at
 * the same instant (Promise.all of real requests). Which interleaving the app chose is not
 * predicted: after the batch the model is RESYNCHRONISED from the database, and the
 * company's audit chain — the order in which the transitions committed — is replayed from
 * the state before the batch as the witness of a serial order. Every event must be legal
 * at its place in that order (witness.ts: actor still a member with the right, rank rules,
 * `before` equal to the replayed value, a revoked key or a deleted company acts no more, an
 * owner always remains), the replay must end in the state the database holds, and then the
 * sequential suite's invariants are checked (world.ts: owners, every actor's probes match
 * the resynchronised model, no 5xx, chains verify). Terminal states are checked across
 * batches: a deleted company or account never comes back.
 */

const MAX_USERS = 5;
const MAX_KEYS = 4;

/** Who acts: the k-th member of the batch's company (at batch start), an owner of it, or any user. */
type Sel = { readonly member: number } | { readonly user: number } | { readonly owner: true };
const sel: fc.Arbitrary<Sel> = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 5 }).map((member) => ({ member })) },
  { weight: 2, arbitrary: fc.constant({ owner: true as const }) },
  { weight: 1, arbitrary: fc.nat({ max: MAX_USERS - 1 }).map((user) => ({ user })) },
);
const role = fc.constantFrom<Role>(...ROLES);

export type Op =
  | { readonly op: "changeRole"; readonly by: Sel; readonly target: Sel; readonly role: Role }
  | { readonly op: "remove" | "transfer"; readonly by: Sel; readonly target: Sel }
  | { readonly op: "leave" | "deleteCompany" | "deleteAccount" | "suspendUser" | "unsuspendUser"; readonly by: Sel }
  | { readonly op: "suspendCompany" | "unsuspendCompany" }
  | { readonly op: "createKey"; readonly by: Sel; readonly scopes: Permission[] }
  | { readonly op: "revokeKey"; readonly by: Sel; readonly key: number }
  | { readonly op: "keyWrite" | "keyInvite"; readonly key: number }
  | { readonly op: "invite"; readonly by: Sel; readonly target: Sel; readonly role: Role }
  | { readonly op: "accept"; readonly invitation: number }
  | { readonly op: "requestPartner"; readonly by: Sel; readonly other: number }
  | { readonly op: "acceptPartner" | "revokePartner"; readonly by: Sel; readonly partnership: number };

const key = fc.nat({ max: MAX_KEYS - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  // Weighted toward the member transitions that contend for rows; the terminal ones (delete,
  // suspend) are rarer, since everything after them in a run is refused.
  { weight: 4, arbitrary: fc.record({ op: fc.constant("changeRole" as const), by: sel, target: sel, role }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("remove" as const), by: sel, target: sel }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("transfer" as const),
      // Mostly by an owner: a transfer by anyone else is refused at the edge and contends for nothing.
      by: fc.oneof({ weight: 3, arbitrary: fc.constant({ owner: true as const }) }, { weight: 1, arbitrary: sel }),
      target: sel,
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("leave" as const), by: sel }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constantFrom(
        "deleteCompany" as const,
        "deleteAccount" as const,
        "suspendUser" as const,
        "unsuspendUser" as const,
      ),
      by: sel,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom("suspendCompany" as const, "unsuspendCompany" as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("createKey" as const),
      by: sel,
      scopes: fc.subarray([...KEY_SCOPES], { minLength: 1 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("revokeKey" as const), by: sel, key }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom("keyWrite" as const, "keyInvite" as const), key }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("invite" as const), by: sel, target: sel, role }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("accept" as const), invitation: fc.nat({ max: 7 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("requestPartner" as const), by: sel, other: fc.nat({ max: 2 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom("acceptPartner" as const, "revokePartner" as const),
      by: sel,
      partnership: fc.nat({ max: 3 }),
    }),
  },
);

export interface Batch {
  readonly company: number;
  readonly ops: readonly Op[];
}

/**
 * Rivals are what make a batch worth firing at once: each call of a batch names, half of
 * the time, the batch's one target member — as actor of a self-service call (leave, delete
 * account, being suspended) or as the member acted on — so most batches contend for a row.
 */
export function batches(maxBatches: number): fc.Arbitrary<Batch[]> {
  const batch = fc
    .record({
      company: fc.nat({ max: 1 }),
      target: sel,
      ops: fc.array(fc.tuple(op, fc.boolean()), { minLength: 2, maxLength: 4 }),
    })
    .map(
      ({ company, target, ops }): Batch => ({ company, ops: ops.map(([o, rival]) => (rival ? aimAt(o, target) : o)) }),
    );
  return fc.array(batch, { minLength: 1, maxLength: maxBatches });
}

function aimAt(o: Op, target: Sel): Op {
  if ("target" in o) return { ...o, target };
  if (o.op === "leave" || o.op === "deleteAccount" || o.op === "suspendUser" || o.op === "unsuspendUser")
    return { ...o, by: target };
  return o;
}

export function describeBatch(batch: Batch): string {
  return `company#${batch.company}: ${batch.ops.map((o) => JSON.stringify(o)).join(" | ")}`;
}

function resolve(m: Model, c: number, s: Sel): number {
  if ("user" in s) return m.users[s.user] ? s.user : -1;
  const members = [...(m.companies[c]?.members.keys() ?? [])].sort((a, b) => a - b);
  if ("owner" in s) return members.find((u) => m.companies[c]?.members.get(u) === "owner") ?? -1;
  return members.length === 0 ? -1 : (members[s.member % members.length] as number);
}

/** One request of the batch, resolved against the model as it was when the batch started. */
function fire(m: Model, w: World, c: number, o: Op): Promise<void> {
  const company = m.companies[c];
  if (!company) return Promise.resolve();
  const base = `/api/v1/companies/${company.id}`;
  const as = (s: Sel) => headersOf(m, { user: resolve(m, c, s) }) ?? {};
  const idOf = (s: Sel) => m.users[resolve(m, c, s)]?.id ?? "00000000-0000-7000-8000-000000000000";
  const keyHeaders = (k: number) => {
    const found = m.keys[k];
    return found && found.company === c ? { "x-api-key": found.secret } : undefined;
  };
  switch (o.op) {
    case "changeRole":
      return void0(w.call("PATCH", `${base}/members/${idOf(o.target)}`, as(o.by), { role: o.role }));
    case "remove":
      return void0(w.call("DELETE", `${base}/members/${idOf(o.target)}`, as(o.by)));
    case "transfer":
      return void0(w.call("POST", `${base}/transfer-ownership`, as(o.by), { userId: idOf(o.target) }));
    case "leave":
      return void0(w.call("POST", `${base}/leave`, as(o.by)));
    case "deleteCompany":
      return void0(w.call("DELETE", base, as(o.by)));
    case "deleteAccount":
      return void0(w.call("DELETE", "/api/v1/users/me", as(o.by), { password: STRONG_PASSWORD }));
    case "suspendUser":
    case "unsuspendUser":
      return void0(
        w.call(
          "POST",
          `/api/v1/admin/users/${idOf(o.by)}/${o.op === "suspendUser" ? "suspend" : "unsuspend"}`,
          w.operator,
        ),
      );
    case "suspendCompany":
    case "unsuspendCompany":
      return void0(
        w.call(
          "POST",
          `/api/v1/admin/companies/${company.id}/${o.op === "suspendCompany" ? "suspend" : "unsuspend"}`,
          w.operator,
        ),
      );
    case "createKey":
      return w.call("POST", `${base}/api-keys`, as(o.by), { name: "k", scopes: o.scopes }).then((res) => {
        if (res.status !== 201 || m.keys.length >= MAX_KEYS) return;
        const creator = resolve(m, c, o.by);
        m.keys.push({
          id: String(res.body.id),
          secret: String(res.body.key),
          company: c,
          creator,
          scopes: o.scopes,
          revoked: false,
        });
      });
    case "revokeKey": {
      const found = m.keys[o.key];
      if (!found || found.company !== c) return Promise.resolve();
      return void0(w.call("DELETE", `${base}/api-keys/${found.id}`, as(o.by)));
    }
    case "keyWrite": {
      const headers = keyHeaders(o.key);
      return headers ? void0(w.call("PATCH", base, headers, { name: company.name })) : Promise.resolve();
    }
    case "keyInvite": {
      const headers = keyHeaders(o.key);
      const invitee = m.users[Math.floor(o.key / 2) + 3];
      if (!headers || !invitee) return Promise.resolve();
      return invite(m, w, c, headers, Math.floor(o.key / 2) + 3, "member", { key: o.key });
    }
    case "invite":
      return invite(m, w, c, as(o.by), resolve(m, c, o.target), o.role, { user: resolve(m, c, o.by) });
    case "accept": {
      const inv = m.invitations[o.invitation];
      if (!inv) return Promise.resolve();
      return void0(
        w.call("POST", "/api/v1/invitations/accept", headersOf(m, { user: inv.invitee }) ?? {}, { token: inv.token }),
      );
    }
    case "requestPartner": {
      const other = m.companies[o.other];
      if (!other || o.other === c) return Promise.resolve();
      return w
        .call("POST", `${base}/partners`, as(o.by), { partnerSlug: other.slug, scopes: [...PARTNER_SCOPES] })
        .then((res) => {
          if (res.status !== 201) return;
          m.partnerships.push({
            id: String(res.body.id),
            requester: c,
            partner: o.other,
            scopes: [...PARTNER_SCOPES],
            status: "pending",
          });
        });
    }
    case "acceptPartner":
    case "revokePartner": {
      const p = m.partnerships[o.partnership];
      if (!p || (p.requester !== c && p.partner !== c)) return Promise.resolve();
      const url = `${base}/partners/${p.id}${o.op === "acceptPartner" ? "/accept" : ""}`;
      return void0(w.call(o.op === "acceptPartner" ? "POST" : "DELETE", url, as(o.by)));
    }
  }
}

function invite(
  m: Model,
  w: World,
  c: number,
  headers: Record<string, string>,
  target: number,
  r: Role,
  by: { user: number } | { key: number },
) {
  const invitee = m.users[target];
  if (!invitee) return Promise.resolve();
  return w
    .call("POST", `/api/v1/companies/${m.companies[c]?.id}/invitations`, headers, { email: invitee.email, role: r })
    .then((res) => {
      if (res.status !== 201) return;
      m.invitations.push({
        id: String(res.body.id),
        company: c,
        invitee: target,
        role: r,
        token: w.tokenFor(invitee.email),
        by,
        status: "pending",
      });
    });
}

const void0 = (p: Promise<unknown>) => p.then(() => undefined);

/** Runs one batch concurrently, then resynchronises the model and checks every invariant. */
export async function runBatch(world: World, model: Model, batch: Batch): Promise<void> {
  if (!model.companies[batch.company]) return;
  const before: ChainStart[] = [];
  for (const c of model.companies.keys()) before.push(await chainStart(world, model, c));
  const wasDeleted = {
    companies: model.companies.map((c) => c.status === "deleted"),
    users: model.users.map((u) => u.status === "deleted"),
  };
  await Promise.all(batch.ops.map((o) => fire(model, world, batch.company, o)));
  await resync(world, model);
  for (const [i, deleted] of wasDeleted.companies.entries())
    if (deleted) assert.equal(model.companies[i]?.status, "deleted", `deleted company#${i} came back`);
  for (const [i, deleted] of wasDeleted.users.entries())
    if (deleted) assert.equal(model.users[i]?.status, "deleted", `deleted user#${i} came back`);
  for (const [c, start] of before.entries()) await checkChain(world, model, c, start);
  // A session the batch ended (a suspension lifted in the same batch) is replaced before the
  // probes: which sessions survive a suspension is the sequential suite's and the races' to check.
  await signInAgain(world, model);
  await checkInvariants(world, model);
}
