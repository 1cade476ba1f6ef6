import type { AuditActorType } from "./tables.ts";

/** What a module records. Secrets and tokens never belong in `metadata` (they are stripped regardless). */
export interface AuditEventInput {
  /** `<area>.<what happened>`, e.g. `auth.login_failed`, `member.role_changed`. */
  readonly action: string;
  readonly actorType: AuditActorType;
  /** The user, API key or system component; null when unknown (a failed login). */
  readonly actorId: string | null;
  /** The company whose stream the event joins; null/absent for the platform stream. */
  readonly companyId?: string | null;
  readonly targetType?: string | null;
  readonly targetId?: string | null;
  readonly ip?: string | null;
  readonly userAgent?: string | null;
  readonly requestId?: string | null;
  /** Before/after values and other context. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}
