// What other modules may use of the audit trail: recording an event, and the operations the CLI runs.

export { type AuditActor, actorFromTag, auditActorOf, operatorActorOf, systemActor } from "./actor.ts";
export { streamOf } from "./chain.ts";
export type { AuditEventInput } from "./event-input.ts";
export { auditPersonalData } from "./personal-data.ts";
export { type AuditRouteOptions, auditRoutes } from "./routes.ts";
export { auditSchemas } from "./schemas.ts";
export { recordAuditEvent, recordCompanyChange } from "./service.ts";
export { switchChangeRecorder } from "./switch-changes.ts";
export type { AuditActorType } from "./tables.ts";
export { type PruneReport, pruneAuditEvents, type VerifyReport, verifyAuditChains } from "./verify.ts";
