import type { TSchema } from "@sinclair/typebox";
import type { Clock } from "../clock.ts";
import type { Executor } from "./transaction.ts";

/**
 * What a column holds about a person and what becomes of it when that person deletes
 * their account. Every column of every table has one (test/modules/personal-data
 * fails on a column without), so a new table cannot hold personal data by accident.
 *
 * - `none`: nothing about a person (a company's name, a timestamp of a system change).
 * - `erased`: deleted or nulled in the account deletion's transaction.
 * - `kept`: stays, for the reason given — an opaque id whose account row is scrubbed,
 *   a hash that cannot be reversed, or a record the law or the customer needs.
 */
export type ColumnDecision = "none" | "erased" | { readonly kept: string };

/** A person as the erasure and the export know them: the account id and the address it had. */
export interface Person {
  readonly userId: string;
  readonly email: string;
}

/**
 * One kind of record a module stores about a person. The module owns the table, so it
 * alone reads and erases it; identity's export and account deletion call every source.
 */
export interface PersonalDataSource {
  /** The export document's key, e.g. `memberships`. */
  readonly category: string;
  /** One line for the export's documentation (docs/data.md). */
  readonly description: string;
  /** The items' shape in the export (an array of these). */
  readonly item: TSchema;
  /** table → column → decision, for every column of every table the module owns. */
  readonly columns: Readonly<Record<string, Readonly<Record<string, ColumnDecision>>>>;
  /** Every item about the person, oldest first. */
  export(db: Executor, person: Person): Promise<unknown[]>;
  /**
   * Removes what `columns` marks `erased`, inside the account deletion's transaction; may
   * return what to do once it committed (cache evictions).
   */
  erase(trx: Executor, person: Person, clock: Clock): Promise<AfterCommit | undefined>;
}

export type AfterCommit = () => Promise<void>;

/** Tables the platform itself owns (not a module's), decided here. */
export const PLATFORM_TABLES: Readonly<Record<string, Readonly<Record<string, ColumnDecision>>>> = {
  platform_state: {
    key: "none",
    value: "none",
    updated_at: "none",
    updated_by: { kept: "`user:<id>` of the admin who last changed a switch: an id, no name or address" },
  },
  rampart_migrations: { id: "none", name: "none", checksum: "none", applied_at: "none" },
  // Mail on its way out (platform/mail/queue.ts): the recipient's address and the rendered
  // message stay only until delivery (minutes; a day or so through an SMTP outage), then
  // the row is deleted. Not exported: it is the same mail the person receives.
  mail_queue: {
    id: "none",
    kind: "none",
    payload: { kept: "the recipient's address and the mail, until it is delivered (then the row is deleted)" },
    attempts: "none",
    created_at: "none",
    available_at: "none",
    claimed_until: "none",
    last_error: { kept: "the SMTP server's last refusal, which may quote the address, until delivery" },
  },
  // A company event on its way to the company's webhooks: the audit event's metadata (which
  // may name a member's address), never its ip or user agent. Kept with the deliveries that
  // reference it; the audit trail is where a person's events are exported and erased.
  event_outbox: {
    id: "none",
    company_id: "none",
    seq: "none",
    type: "none",
    occurred_at: "none",
    payload: { kept: "the audit event's metadata as sent to the company's own webhook endpoints" },
    dispatched_at: "none",
  },
  // The first response to an Idempotency-Key, sealed with a key derived from the client's
  // own Idempotency-Key (unreadable without it), deleted 24 h after it was written.
  idempotency_keys: {
    id: "none",
    actor: { kept: "`user:<id>` or `api_key:<id>` of the caller, an opaque id, for 24 h" },
    fingerprint: "none",
    status: "none",
    locked_until: "none",
    response: {
      kept: "the sealed response (may hold what the caller sent), unreadable without the client's key, 24 h",
    },
    created_at: "none",
    expires_at: "none",
  },
};
