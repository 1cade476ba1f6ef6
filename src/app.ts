import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Config } from "./config/settings/index.ts";
import { encryptionKeys } from "./config/values/encryption-keys.ts";
import { commaList } from "./config/values/list.ts";
import { accessResolvers } from "./modules/access-resolvers.ts";
import { type ApiKeysDeps, apiKeyRoutes, keyIsLive } from "./modules/api-keys/index.ts";
import { type AuditRouteOptions, auditRoutes, switchChangeRecorder } from "./modules/audit/index.ts";
import {
  type CompaniesDeps,
  companyRoutes,
  companySchemas,
  leaveEverythingForDeletion,
} from "./modules/companies/index.ts";
import { grantorRights, webhookCreatorRights } from "./modules/creator-rights.ts";
import {
  countPlatformAdmins,
  createPasswordHasher,
  type IdentityDeps,
  identityRoutes,
  TOTP_SECRETS_PURPOSE,
  userProfiles,
} from "./modules/identity/index.ts";
import { type InvitationsDeps, invitationRoutes } from "./modules/invitations/index.ts";
import { type PartnersDeps, partnerPermissions, partnerRoutes } from "./modules/partners/index.ts";
import { personalDataSources } from "./modules/personal-data-sources.ts";
import { adminMetricsRoutes, adminRoutes } from "./modules/platform-admin/index.ts";
import { providersFrom, type SocialDeps, socialRoutes } from "./modules/social/index.ts";
import {
  createDomainRecheckWorker,
  type DomainRecheckWorker,
  SSO_SECRETS_PURPOSE,
  type SsoDeps,
  ssoRoutes,
  ssoSignInPolicy,
} from "./modules/sso/index.ts";
import {
  createWebhookWorker,
  systemResolver,
  WEBHOOK_SECRETS_PURPOSE,
  type WebhooksDeps,
  type WebhookWorker,
  webhookRoutes,
} from "./modules/webhooks/index.ts";
import { AccessControl, installAccessControl, requireAccessDeclarations } from "./platform/access/access.ts";
import { jwksRoute } from "./platform/auth/jwks-route.ts";
import { secretSealer } from "./platform/crypto/secret-sealer.ts";
import { createDiskFullMonitor } from "./platform/db/disk-full.ts";
import { translateDatabaseError } from "./platform/db/errors.ts";
import { registerDatabaseMetrics } from "./platform/db/metrics.ts";
import type { Executor } from "./platform/db/transaction.ts";
import type { Deps } from "./platform/deps.ts";
import { installErrorHandling } from "./platform/errors/error-handler.ts";
import { FieldErrorSchema, ProblemSchema } from "./platform/errors/problem.ts";
import { CheckResultSchema, ReadinessSchema } from "./platform/health/readiness.ts";
import { healthRoutes } from "./platform/health/routes.ts";
import { registerConsole } from "./platform/http/console.ts";
import { installHttpEdge } from "./platform/http/edge.ts";
import { installStrictFormats } from "./platform/http/formats.ts";
import { lazySchemaCompilers } from "./platform/http/lazy-schema-compilers.ts";
import { installLegacyRoutes, legacyUrlRewrite } from "./platform/http/legacy-routes.ts";
import { echoRequestId, requestIdFor } from "./platform/http/request-id.ts";
import { enforceRouteContracts } from "./platform/http/route-contract.ts";
import { edgeServerOptions } from "./platform/http/server-options.ts";
import { installIdempotency, startIdempotencyCleanup } from "./platform/idempotency/plugin.ts";
import { closeConnectionsWhenDraining } from "./platform/lifecycle/close-connections-when-draining.ts";
import { createLifecycle, type Lifecycle } from "./platform/lifecycle/lifecycle.ts";
import { installRequestLogging } from "./platform/logging/request-log.ts";
import { lazyRequestLoggers } from "./platform/logging/request-logger.ts";
import { registerMailQueueMetrics } from "./platform/mail/metrics.ts";
import { createMetricsHistory, type MetricsHistory } from "./platform/observability/metrics-history.ts";
import { installObservability } from "./platform/observability/observability.ts";
import { registerOpenapi } from "./platform/openapi/plugin.ts";
import { installAccountRateLimiting } from "./platform/rate-limit/account-limit.ts";
import { byCaller } from "./platform/rate-limit/caller-key.ts";
import { installRateLimiting } from "./platform/rate-limit/rate-limit.ts";
import { installSwitches, type Switches } from "./platform/switches/install.ts";
import { switchesRoutes } from "./platform/switches/routes.ts";

/**
 * The domain modules under /api/v1. Each module's routes inherit the edge, authentication,
 * rate limits, error mapping and OpenAPI declared above.
 */
async function registerModules(
  app: FastifyInstance,
  config: Config,
  modules: ModuleDeps,
  switches: Switches,
  metricsHistory: MetricsHistory | undefined,
): Promise<void> {
  const { identity } = modules;
  for (const schema of companySchemas) app.addSchema(schema);
  app.addHook("onReady", async () => {
    const admins = await countPlatformAdmins(identity).catch(() => undefined);
    if (admins === 0) {
      app.log.warn(
        "no platform admin yet: create one with `rampart users create-admin --email you@example.com` (npm run rampart -- users create-admin …)",
      );
    }
  });
  // Cookie-authenticated requests must come from the app's own front end or a listed CORS origin.
  const allowedOrigins = [new URL(config.PUBLIC_APP_URL).origin, ...commaList(config.CORS_ORIGINS)];
  await app.register(identityRoutes, { prefix: "/api/v1", deps: identity, allowedOrigins });
  await app.register(switchesRoutes, { prefix: "/api/v1", ...switches });
  await app.register(apiKeyRoutes, { prefix: "/api/v1", deps: modules.apiKeys });
  await app.register(invitationRoutes, { prefix: "/api/v1", deps: modules.invitations });
  await app.register(partnerRoutes, { prefix: "/api/v1", deps: modules.partners });
  await app.register(adminRoutes, { prefix: "/api/v1", identity, companies: modules.companies });
  await app.register(adminMetricsRoutes, { prefix: "/api/v1", history: metricsHistory });
  await app.register(companyRoutes, {
    prefix: "/api/v1",
    deps: modules.companies,
    profiles: (ids) => userProfiles(identity, ids),
  });
  await app.register(auditRoutes, { prefix: "/api/v1", ...modules.audit });
  await app.register(webhookRoutes, { prefix: "/api/v1", deps: modules.webhooks });
  await app.register(ssoRoutes, { prefix: "/api/v1", deps: modules.sso });
  await app.register(socialRoutes, { prefix: "/api/v1", deps: modules.social });
}

interface ModuleDeps {
  readonly identity: IdentityDeps;
  readonly companies: CompaniesDeps;
  readonly apiKeys: ApiKeysDeps;
  readonly invitations: InvitationsDeps;
  readonly partners: PartnersDeps;
  readonly audit: AuditRouteOptions;
  readonly webhooks: WebhooksDeps;
  readonly sso: SsoDeps;
  readonly social: SocialDeps;
}

function moduleDeps(config: Config, deps: Deps, switches: Switches): ModuleDeps {
  // A change made with an API key re-checks the key inside its transaction (companies/locks.ts).
  const liveness = { keyIsLive: (trx: Executor, keyId: string) => keyIsLive(deps, trx, keyId) };
  const companies = { ...deps, ...liveness };
  // Identity asks sso before any non-SSO sign-in (SSO required); sso needs identity's deps to
  // provision accounts and start sessions: both are built here, the policy closing over sso's.
  let sso: SsoDeps | undefined;
  const identity: IdentityDeps = {
    ...deps,
    config,
    passwords: createPasswordHasher(),
    personalData: personalDataSources(deps),
    // The last owner of a company cannot delete their account; a deleted account is a member of nothing.
    accountDeletion: (trx, userId, who) => leaveEverythingForDeletion(deps, trx, userId, who),
    // TOTP seeds at rest; same key list as the webhook secrets' sealer below.
    totpSealer: secretSealer(encryptionKeys(config), TOTP_SECRETS_PURPOSE),
    ssoPolicy: (user) => (sso ? ssoSignInPolicy(sso)(user) : Promise.resolve(undefined)),
  };
  sso = {
    ...deps,
    ...liveness,
    identity,
    companies,
    sealer: secretSealer(encryptionKeys(config), SSO_SECRETS_PURPOSE),
    settings: {
      dnsServers: commaList(config.SSO_DNS_SERVERS ?? ""),
      dnsTimeoutMs: config.SSO_DNS_TIMEOUT_MS,
      recheckMs: config.SSO_DOMAIN_RECHECK_MS,
      flowTtlS: config.SSO_FLOW_TTL_S,
      callbackUrl: config.SSO_CALLBACK_URL ?? new URL("/api/v1/auth/sso/oidc/callback", config.PUBLIC_APP_URL).href,
      samlBaseUrl: new URL("/api/v1/auth/sso/saml/", config.PUBLIC_APP_URL).href,
      signedInUrl: config.SSO_SIGNED_IN_URL ?? new URL("/sso/signed-in", config.PUBLIC_APP_URL).href,
      allowInsecureIssuers: config.SSO_ALLOW_INSECURE_ISSUERS,
    },
  };
  const social: SocialDeps = {
    ...deps,
    identity,
    // Sign-up through a provider follows the same flag as POST /auth/register.
    signupOpen: () => switches.switchboard.current().flags.signup.enabled,
    settings: {
      providers: providersFrom(config),
      flowTtlS: config.SOCIAL_FLOW_TTL_S,
      callbackBase: config.SOCIAL_CALLBACK_BASE_URL ?? new URL("/api/v1/auth/social", config.PUBLIC_APP_URL).href,
      signedInUrl: config.SOCIAL_SIGNED_IN_URL ?? new URL("/social/signed-in", config.PUBLIC_APP_URL).href,
      allowInsecureUrls: config.SOCIAL_ALLOW_INSECURE_URLS,
    },
  };
  return {
    sso,
    social,
    identity,
    companies,
    apiKeys: { ...deps, ...liveness, lastTouched: new Map() },
    // An invitation is accepted only while its grantor could still send it (creator-rights.ts).
    invitations: {
      ...deps,
      config,
      ...liveness,
      grantorRights: grantorRights({ identity: deps, companies: deps, apiKeys: deps }),
    },
    partners: { ...deps, ...liveness },
    audit: { db: deps.database.db },
    webhooks: {
      ...deps,
      ...liveness,
      settings: {
        allowPrivate: config.WEBHOOKS_ALLOW_PRIVATE,
        timeoutMs: config.WEBHOOKS_TIMEOUT_MS,
        retryBaseMs: config.WEBHOOKS_RETRY_BASE_MS,
        retryMaxDelayMs: config.WEBHOOKS_RETRY_MAX_DELAY_MS,
        retryWindowMs: config.WEBHOOKS_RETRY_WINDOW_MS,
        disableAfterFailures: config.WEBHOOKS_DISABLE_AFTER_FAILURES,
        secretOverlapMs: config.WEBHOOKS_SECRET_OVERLAP_MS,
        pollMs: config.WEBHOOKS_POLL_MS,
        leaseMs: config.WEBHOOKS_LEASE_MS,
      },
      sealer: secretSealer(encryptionKeys(config), WEBHOOK_SECRETS_PURPOSE),
      resolve: systemResolver,
      // An endpoint receives only while its creator could still manage it (creator-rights.ts).
      creatorMayReceive: webhookCreatorRights({ identity: deps, companies: deps, apiKeys: deps }),
    },
  };
}

export type App = FastifyInstance & { readonly lifecycle: Lifecycle };

declare module "fastify" {
  interface FastifyInstance {
    lifecycle: Lifecycle;
    config: Config;
    /** Compiles every route schema not compiled yet (they compile on first use); returns how many. */
    compileDeferredSchemas(): number;
    /** This instance's webhook delivery worker (started when the app is ready, stopped when it closes). */
    webhookWorker: WebhookWorker;
    /** This instance's periodic recheck of verified SSO domains' TXT records. */
    ssoDomainRecheck: DomainRecheckWorker;
  }
}

/**
 * Builds the whole HTTP application from a validated config and its dependencies.
 * Order matters: edge concerns first (request id, logging, errors), then shared schemas,
 * then routes — so every route inherits the same edge behaviour.
 */
export async function buildApp(config: Config, deps: Deps): Promise<App> {
  const schemaCompilers = lazySchemaCompilers();
  const app = Fastify({
    // Trusted proxies, body limit and connection timeouts (docs/security.md).
    ...edgeServerOptions(config),
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Fastify's own per-request lines are replaced by one line per request (request-log.ts).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "requestId" }),
    // A request's child logger is built only when the request writes a line (request-logger.ts).
    childLoggerFactory: lazyRequestLoggers,
    requestIdHeader: false,
    genReqId: requestIdFor,
    return503OnClosing: true,
    rewriteUrl: legacyUrlRewrite(config.ENABLE_LEGACY_ROUTES), // /api/x routed as /api/v1/x (legacy-routes.ts)
    // Each route's schemas compiled on first use: about a second of start time (lazy-schema-compilers.ts).
    schemaController: { compilersFactory: schemaCompilers.factory },
    ajv: {
      customOptions: {
        // Report every invalid field at once, and reject unknown fields instead of silently dropping them.
        allErrors: true,
        removeAdditional: false,
        coerceTypes: "array",
        useDefaults: true,
      },
      // After ajv-formats: storable date-times, lower-case UUIDs (formats.ts).
      onCreate: installStrictFormats,
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const lifecycle = createLifecycle();
  app.decorate("lifecycle", lifecycle);
  closeConnectionsWhenDraining(app, lifecycle);
  app.decorate("config", config);
  app.decorate("compileDeferredSchemas", schemaCompilers.compileAll);
  registerDatabaseMetrics(deps.metrics, deps.database);
  registerMailQueueMetrics(deps.metrics, deps.database);
  // Only JSON bodies are part of the contract; anything else is a 415, not a silent string.
  app.removeContentTypeParser("text/plain");

  app.addHook("onRequest", echoRequestId);
  installRequestLogging(app, config.SLOW_REQUEST_MS);
  // A full disk is told apart first: it has its own problem, log line and readiness check.
  const diskFull = createDiskFullMonitor(deps.database, deps.logger);
  installErrorHandling(app, [diskFull.translate, translateDatabaseError]);
  enforceRouteContracts(app);
  // Before the edge's compression: a replayed Idempotency-Key answer is the body as serialised.
  installIdempotency(app, deps);
  // Observability first, so requests the edge rejects (400 host, 413, 429) are measured too.
  installObservability(app, config, deps);
  installHttpEdge(app, config);
  // Before rate limits and access: refused under the kill switch, a request costs no budget, no credential lookup.
  const switches = await installSwitches(app, config, deps, switchChangeRecorder(deps.clock));
  // Callers are identified once per request, shared by the rate limiter (which keys by
  // user, API key or role and runs first, so refused requests count too) and the access hook.
  requireAccessDeclarations(app);
  const modules = moduleDeps(config, deps, switches);
  const access = new AccessControl(
    accessResolvers({
      ...modules,
      partnerPermissions: (companyId, userId) => partnerPermissions(modules.partners, companyId, userId),
    }),
    {
      clock: deps.clock,
      maxAgeS: config.STEP_UP_MAX_AGE_S,
      platformAdminRequiresMfa: config.PLATFORM_ADMIN_REQUIRE_MFA,
    },
  );
  installRateLimiting(app, config, deps, byCaller(access));
  installAccessControl(app, access);
  installAccountRateLimiting(app, config, deps);
  installLegacyRoutes(app, config.ENABLE_LEGACY_ROUTES);
  // Before any route: the OpenAPI document is collected from onRoute.
  await registerOpenapi(app, { docs: config.ENABLE_DOCS, legacyRoutes: config.ENABLE_LEGACY_ROUTES });

  app.addSchema(FieldErrorSchema);
  app.addSchema(ProblemSchema);
  app.addSchema(CheckResultSchema);
  app.addSchema(ReadinessSchema);

  await app.register(healthRoutes, {
    checks: [...deps.readinessChecks, diskFull.readinessCheck],
    readinessTimeoutMs: config.READINESS_TIMEOUT_MS,
    isDraining: () => app.lifecycle.draining,
  });
  await app.register(jwksRoute, { keys: deps.signingKeys });
  // The console's live charts read this instance's own metrics, sampled every 10 s (metrics-history.ts).
  const metricsHistory = config.ENABLE_METRICS ? createMetricsHistory(deps.metrics) : undefined;
  await registerModules(app, config, modules, switches, metricsHistory);
  // The web console (console/): static files at /console that call the API above like any front end.
  if (config.ENABLE_CONSOLE) await registerConsole(app);

  // Every instance delivers webhooks and cleans up expired idempotency keys, off the request path.
  const webhookWorker = createWebhookWorker(modules.webhooks);
  app.decorate("webhookWorker", webhookWorker);
  const ssoDomainRecheck = createDomainRecheckWorker(modules.sso);
  app.decorate("ssoDomainRecheck", ssoDomainRecheck);
  let idempotencyCleanup: { stop(): void } | undefined;
  app.addHook("onReady", async () => {
    metricsHistory?.start();
    webhookWorker.start();
    ssoDomainRecheck.start();
    idempotencyCleanup = startIdempotencyCleanup(deps);
  });
  app.addHook("onClose", async () => {
    metricsHistory?.stop();
    idempotencyCleanup?.stop();
    await webhookWorker.stop();
    await ssoDomainRecheck.stop();
  });

  return app as App;
}
