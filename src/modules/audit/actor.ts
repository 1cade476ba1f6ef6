import type { FastifyRequest } from "fastify";
import type { AuditEventInput } from "./event-input.ts";

/**
 * Who did it and from where: the part of an audit event every change of a request shares.
 * `operator`: a platform admin acting on a company they need not belong to — the company's
 * trail names them only by role, the platform's trail keeps who and from where.
 */
export type AuditActor = Pick<AuditEventInput, "actorType" | "actorId" | "ip" | "userAgent" | "requestId"> & {
  readonly operator?: boolean;
};

/** The request's authenticated caller (user or API key) with its address, user agent and request id. */
export function auditActorOf(request: FastifyRequest): AuditActor {
  const actor = request.actor;
  return {
    actorType: actor?.kind === "api_key" ? "api_key" : "user",
    actorId: actor === undefined ? null : actor.kind === "api_key" ? actor.keyId : actor.userId,
    ip: request.ip ?? null,
    userAgent: request.headers["user-agent"] ?? null,
    requestId: request.id,
  };
}

/** The request's caller acting as a platform operator (the admin routes). */
export function operatorActorOf(request: FastifyRequest): AuditActor {
  return { ...auditActorOf(request), operator: true };
}

/** How a company's own trail shows an operator: by role, no id, no address. */
export const OPERATOR_BY_ROLE: AuditActor = {
  actorType: "system",
  actorId: "platform_admin",
  ip: null,
  userAgent: null,
  requestId: null,
};

/** A change made by an operator through the CLI, outside any request. */
export function systemActor(who: string): AuditActor {
  return { actorType: "system", actorId: who, ip: null, userAgent: null, requestId: null };
}

/** The `updated_by` tags of platform state ("user:<id>", "cli:<os user>") as audit actors. */
export function actorFromTag(tag: string): AuditActor {
  const user = /^user:(.+)$/.exec(tag);
  return user
    ? { actorType: "user", actorId: user[1] as string, ip: null, userAgent: null, requestId: null }
    : systemActor(tag);
}
