/**
 * Mutation-testing areas (`npm run mutation`): the security-critical source each guarantee
 * lives in, and the targeted tests that are meant to catch a change to it. A mutant is run
 * against the area's tests only; `namePattern` narrows a large test file to its relevant
 * tests. Ordered smallest first: that is the order `npm run mutation` runs them in.
 */
export interface Area {
  readonly name: string;
  /** Stryker `mutate` globs; `file:from-to` limits a large file to the lines of the guarantee. */
  readonly mutate: readonly string[];
  readonly tests: readonly string[];
  /** Passed to node's `--test-name-pattern`. */
  readonly namePattern?: string;
  /**
   * Passed to node's `--test-skip-pattern` instead of the default, which skips the PostgreSQL
   * run of every per-engine suite: an area whose guarantee lives in PostgreSQL's row locks
   * (a race test) keeps that suite.
   */
  readonly skipPattern?: string;
  /**
   * Runs the area's test files in one process (`--test-isolation=none`): loading the app's
   * modules is paid once per mutant instead of once per file, about half the time of a
   * many-file area. Only for files that run together cleanly (each builds its own app and database).
   */
  readonly oneProcess?: boolean;
}

/** Per-engine suites are judged on SQLite only: a mutant in the logic fails there too. */
export const SKIP_POSTGRES = "on postgres$|\\(postgres\\)$";

/**
 * The same, except that the race suite `suite` (`describe(\`${suite} (${engine})\`)`) runs on
 * PostgreSQL and only there: its barrier holds a row lock, which SQLite does not have.
 */
function racesOnPostgres(suite: string): string {
  return `^${suite} \\(sqlite\\)|^(?!${suite}).*(on postgres$|\\(postgres\\)$)`;
}

export const AREAS: readonly Area[] = [
  {
    name: "lockout",
    mutate: ["src/modules/identity/login-throttle.ts"],
    tests: [
      "test/modules/identity/login-throttle.test.ts",
      "test/modules/identity/sessions.test.ts",
      "test/modules/audit/identity-events.test.ts",
    ],
    namePattern: "^locks|lockout",
  },
  {
    name: "owner-rule",
    // Roles, removal, leaving and ownership transfer: rank checks and "an owner remains".
    mutate: ["src/modules/companies/members.ts"],
    tests: [
      "test/modules/invariants/last-owner.test.ts",
      "test/modules/companies/companies.test.ts",
      "test/modules/companies/owner-rule.test.ts",
      "test/modules/audit/tenancy-events.test.ts",
      "test/modules/invitations/invitations.test.ts",
    ],
    // tenancy-events: only its role-change tests (the change's audit record, none when refused);
    // invitations: only the acceptance by someone who joined meanwhile (addMember's own check).
    namePattern: "companies and members|last owner|role change|owner rule|invitee already joined",
    oneProcess: true,
  },
  {
    name: "api-key-scopes",
    // createApiKey's scope and expiry checks (and their re-check of the creator's rights under
    // the company's lock), isExpired, and authenticateApiKey (unknown, revoked, wrong secret, expired).
    mutate: [
      "src/modules/api-keys/service.ts:61-63",
      "src/modules/api-keys/service.ts:86-94",
      "src/modules/api-keys/service.ts:113-114",
      "src/modules/api-keys/service.ts:175-196",
    ],
    tests: [
      "test/modules/api-keys/api-keys.test.ts",
      "test/modules/api-keys/unknown-keys.test.ts",
      "test/modules/api-keys/expiry-edge.test.ts",
    ],
  },
  {
    name: "token-verification",
    mutate: ["src/platform/auth/access-token.ts", "src/platform/auth/compact-jws.ts"],
    tests: ["test/platform/auth/access-token.test.ts", "test/platform/auth/access-token-claims.test.ts"],
  },
  {
    name: "audit-chaining",
    mutate: ["src/modules/audit/chain.ts"],
    tests: [
      "test/modules/audit/chain.test.ts",
      "test/modules/audit/audit-trail.test.ts",
      "test/modules/audit/personal-fields.test.ts",
    ],
  },
  {
    name: "audit-verify",
    mutate: ["src/modules/audit/verify.ts"],
    tests: [
      "test/modules/audit/verify-breaks.test.ts",
      "test/modules/audit/audit-trail.test.ts",
      "test/modules/audit/personal-fields.test.ts",
      "test/races/audit-prune.race.ts",
    ],
    // Prune's "vanished during prune" check is reached only by two prunes at once.
    skipPattern: racesOnPostgres("audit prune races"),
    oneProcess: true,
  },
  {
    name: "refresh-rotation",
    // rotateRefreshToken: rotation, the grace window and reuse detection.
    mutate: ["src/modules/identity/sessions.ts:195-282"],
    tests: [
      "test/modules/identity/sessions.test.ts",
      "test/modules/identity/token-lifetimes.test.ts",
      "test/modules/identity/refresh-rotation.test.ts",
      "test/modules/audit/identity-events.test.ts",
      "test/modules/identity/second-factors.test.ts",
      "test/races/refresh.race.ts",
      "test/modules/invariants/refresh-limits.test.ts",
      "test/modules/sso/sso-required.test.ts",
    ],
    // second-factors: only the refresh of a session from before second factors (it ends, and asks for one).
    // refresh-limits: the per-session budget keyed by sessionOfRefreshToken; sso-required: an SSO
    // session is not ended at refresh for the account's own factor.
    namePattern:
      "refresh|rotat|replay|token lifetimes|^the server|confirming a factor upgrades this session|not ended at refresh",
    // The re-check under the session's lock is bitten only by the races' PostgreSQL suite (on
    // SQLite two refreshes run one after the other): the races run there, and only there.
    skipPattern: racesOnPostgres("refresh rotation races"),
    oneProcess: true,
  },
  {
    name: "rate-limiting",
    mutate: [
      "src/platform/rate-limit/limiter.ts",
      "src/platform/rate-limit/lease.ts",
      "src/platform/rate-limit/tier-script.ts",
      "src/platform/rate-limit/client-key.ts",
    ],
    tests: [
      "test/platform/rate-limit/client-key.test.ts",
      "test/platform/rate-limit/lease.test.ts",
      "test/platform/rate-limit/limiter.test.ts",
      "test/platform/rate-limit/rate-limit.test.ts",
      "test/platform/rate-limit/rate-limit-redis.test.ts",
      "test/platform/rate-limit/redis-cool-down.test.ts",
    ],
    // The Redis tests count in the shared Redis under their own prefix; the one that pauses every
    // client of that Redis (the fallback test) and the slow unreachable-Redis startups stay out of
    // a per-mutant run; the dead-port one (a second) stays in: it catches a failure turned into a 500.
    // The cool-down test breaks only its own client, so it stands in for the pause test there.
    namePattern:
      "^rate-limit |two app instances|one Redis round trip|same rules as in memory|lease|dead port, and no request fails|Redis cool-down",
  },
  {
    name: "access-control",
    mutate: ["src/platform/access/access.ts", "src/platform/access/actor.ts"],
    tests: [
      "test/platform/access/access-control.test.ts",
      "test/platform/access/access-matrix.test.ts",
      "test/isolation/access-walk.test.ts",
      "test/modules/invariants/smaller-inputs.test.ts",
      "test/modules/invitations/invitations.test.ts",
      "test/platform/openapi/served-document.test.ts",
      "test/modules/partners/partners.test.ts",
      "test/modules/identity/step-up.test.ts",
      "test/modules/identity/mfa-policy.test.ts",
    ],
    // Beyond the hook's own tests and the walk: the upper-case company id (422), the unverified
    // user, the inviter recorded (actingUserId), no deciding user when a key acts (actingUserId
    // for an API key), a hidden route with no declaration served, step-up as the hook enforces it
    // (declared, conditional, every platform-admin write) and the second-factor policies (a
    // company's, and PLATFORM_ADMIN_REQUIRE_MFA).
    namePattern:
      "the access hook|access declarations|every route|upper-case UUID|unverified account cannot|mails a link whose token|answers 304 with no body|records no deciding user|step-up for sensitive actions|second-factor policies|PLATFORM_ADMIN_REQUIRE_MFA",
    // 4.6 s in one process against 13.5 s with a process per file: 208 mutants in ~20 min, not ~60.
    oneProcess: true,
  },
];
