// What other modules may use of webhooks: its routes, worker and public types.

export { webhooksPersonalData } from "./personal-data.ts";
export { webhookRoutes } from "./routes.ts";
export { WEBHOOK_SECRETS_PURPOSE, webhooksSealedColumns } from "./sealed-columns.ts";
export type { WebhookSettings, WebhooksDeps } from "./service.ts";
export { verifySignature } from "./signature.ts";
// The SSRF guard is reused by sso for an owner-given IdP metadata URL (one outbound GET).
export { checkUrlForm, pinnedLookup, type Resolver, resolveTarget, systemResolver, TargetRefused } from "./ssrf.ts";
export type { WebhooksTables } from "./tables.ts";
export { createWebhookWorker, type WebhookWorker } from "./worker.ts";
