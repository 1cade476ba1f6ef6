import type { Cache } from "../../platform/cache/contract.ts";
import type { Clock } from "../../platform/clock.ts";
import type { DatabaseHandle } from "../../platform/db/connect.ts";
import type { Logger } from "../../platform/logging/logger.ts";
import type { IdentityDeps } from "../identity/index.ts";
import type { SocialProvider } from "./providers.ts";

// What every use case of social shares: its deps and settings.

export interface SocialSettings {
  readonly providers: readonly SocialProvider[];
  readonly flowTtlS: number;
  /** Redirect URIs are <callbackBase>/<provider>/callback. */
  readonly callbackBase: string;
  /** Where a browser lands after signing in or linking. */
  readonly signedInUrl: string;
  readonly allowInsecureUrls: boolean;
}

export interface SocialDeps {
  readonly database: DatabaseHandle;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly cache: Cache;
  readonly settings: SocialSettings;
  /** Accounts and sessions are identity's. */
  readonly identity: IdentityDeps;
  /** The platform's `signup` feature flag, read at each sign-up (app.ts wires the switchboard). */
  readonly signupOpen: () => boolean;
}

/** What a provider vouched for, whatever its protocol. */
export interface ProviderIdentity {
  readonly subject: string;
  readonly email: string | undefined;
  /** Only an explicit "verified" from the provider counts. */
  readonly emailVerified: boolean;
  readonly name: string | undefined;
}

export function callbackUrlOf(deps: Pick<SocialDeps, "settings">, provider: string): string {
  return `${deps.settings.callbackBase.replace(/\/+$/, "")}/${provider}/callback`;
}
