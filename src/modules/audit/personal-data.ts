import { Type } from "@sinclair/typebox";
import type { PersonalDataSource } from "../../platform/db/personal-data.ts";
import type { Executor } from "../../platform/db/transaction.ts";

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const kept = (why: string) => ({ kept: why }) as const;
const CHAIN = "part of the hash chain: the trail must show that it happened, for as long as AUDIT_RETENTION_DAYS";

/** Events the person did (actor) or that were done to them (target, including sign-in attempts on their account). */
function aboutPerson(db: Executor, userId: string) {
  return db
    .selectFrom("audit_events")
    .where((eb) =>
      eb.or([
        eb.and([eb("actor_type", "=", "user"), eb("actor_id", "=", userId)]),
        eb.and([eb("target_type", "=", "user"), eb("target_id", "=", userId)]),
      ]),
    );
}

/**
 * The audit trail. What an event says happened stays (it is the evidence the trail exists
 * for, until `audit prune`); where the person's own requests came from (IP address and
 * User-Agent) is erased with the account, which the v2 hash (docs/audit.md) allows without
 * breaking `audit verify`. The export shows an IP and User-Agent only for the person's own
 * requests: another person's (an admin acting on them) is that person's data.
 */
export const auditPersonalData: PersonalDataSource = {
  category: "auditEvents",
  description:
    "audit events where the person acted or was acted upon, oldest first, with IP address and User-Agent of their own requests",
  item: Type.Object(
    {
      id: Type.String({ format: "uuid" }),
      occurredAt: Type.String({ format: "date-time" }),
      companyId: Nullable(Type.String()),
      action: Type.String(),
      role: Type.Union([Type.Literal("actor"), Type.Literal("target")]),
      ip: Nullable(Type.String()),
      userAgent: Nullable(Type.String()),
      metadata: Type.Record(Type.String(), Type.Unknown()),
    },
    { additionalProperties: false },
  ),
  columns: {
    audit_events: {
      id: "none",
      stream: "none",
      seq: "none",
      occurred_at: "none",
      actor_type: "none",
      actor_id: kept(`the actor's opaque id (their account row is scrubbed); ${CHAIN}`),
      company_id: "none",
      action: kept(CHAIN),
      target_type: "none",
      target_id: kept(`the target's opaque id; ${CHAIN}`),
      ip: "erased",
      user_agent: "erased",
      personal_salt: "erased",
      personal_digest: kept("a salted digest whose salt is erased: it no longer reveals anything"),
      request_id: "none",
      metadata: kept(
        `before/after values (roles, names of keys and companies, an address hash on failed logins), never an address; ${CHAIN}`,
      ),
      prev_hash: "none",
      hash: "none",
    },
    audit_chain_heads: {
      stream: "none",
      last_seq: "none",
      last_hash: "none",
      anchor_seq: "none",
      anchor_hash: "none",
      pruned_at: "none",
    },
  },
  async export(db, person) {
    const rows = await aboutPerson(db, person.userId).selectAll().orderBy("occurred_at").orderBy("id").execute();
    return rows.map((r) => {
      const own = r.actor_type === "user" && r.actor_id === person.userId;
      return {
        id: r.id,
        occurredAt: r.occurred_at,
        companyId: r.company_id,
        action: r.action,
        role: own ? ("actor" as const) : ("target" as const),
        ip: own ? r.ip : null,
        userAgent: own ? r.user_agent : null,
        metadata: JSON.parse(r.metadata) as Record<string, unknown>,
      };
    });
  },
  // v1 events (a chain that did not verify when 0009 ran) keep theirs: erasing would make them unverifiable.
  async erase(trx, person) {
    const userId = person.userId;
    await trx
      .updateTable("audit_events")
      .set({ ip: null, user_agent: null, personal_salt: null })
      .where("personal_digest", "is not", null)
      .where((eb) =>
        eb.or([
          eb.and([eb("actor_type", "=", "user"), eb("actor_id", "=", userId)]),
          eb.and([eb("actor_id", "is", null), eb("target_type", "=", "user"), eb("target_id", "=", userId)]),
        ]),
      )
      .execute();
    return undefined;
  },
};
