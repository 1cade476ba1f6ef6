import type { Cache } from "../../platform/cache/contract.ts";
import type { Clock } from "../../platform/clock.ts";
import type { SecretSealer } from "../../platform/crypto/secret-sealer.ts";
import type { DatabaseHandle } from "../../platform/db/connect.ts";
import type { Logger } from "../../platform/logging/logger.ts";
import type { CompaniesDeps, KeyLiveness } from "../companies/index.ts";
import type { IdentityDeps } from "../identity/index.ts";

// What every use case of sso shares: its deps and settings (connections.ts, domains.ts,
// sign-in-start.ts, oidc-callback.ts, complete-sign-in.ts, policy.ts).

export interface SsoSettings {
  /** DNS servers for the TXT lookups (empty: the system's). */
  readonly dnsServers: readonly string[];
  readonly dnsTimeoutMs: number;
  readonly recheckMs: number;
  readonly flowTtlS: number;
  /** The redirect URI registered at OIDC identity providers. */
  readonly callbackUrl: string;
  /** Base of SAML connections' endpoints: `<base>/<connectionId>/metadata` and `/acs` (PUBLIC_APP_URL's). */
  readonly samlBaseUrl: string;
  /** Where a browser lands after signing in. */
  readonly signedInUrl: string;
  readonly allowInsecureIssuers: boolean;
}

export interface SsoDeps {
  readonly database: DatabaseHandle;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly cache: Cache;
  readonly keyIsLive?: KeyLiveness;
  readonly settings: SsoSettings;
  /** Seals OIDC client secrets (purpose "sso-client-secrets"). */
  readonly sealer: SecretSealer;
  /** Accounts and sessions are identity's; memberships are companies'. */
  readonly identity: IdentityDeps;
  readonly companies: CompaniesDeps;
}
