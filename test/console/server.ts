import type { EngineUnderTest } from "../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../helpers/identity.ts";
import { freePort } from "../helpers/smtp.ts";
import { ensureConsoleBuilt } from "./build.ts";

export interface ConsoleServer {
  readonly h: IdentityHarness;
  /** http://localhost:<port>: the page and the API share it, as in production. */
  readonly origin: string;
}

/**
 * A real Rampart listening on an ephemeral port of 127.0.0.1, with the console built, mails
 * linking into the console (PUBLIC_APP_URL=<origin>/console), and metrics on.
 */
export async function consoleServer(
  engine: EngineUnderTest,
  /** More settings, which may name the origin (SSO_SIGNED_IN_URL, an IdP's redirect URI). */
  extra: (origin: string) => Record<string, string> | Promise<Record<string, string>> = () => ({}),
): Promise<ConsoleServer> {
  ensureConsoleBuilt();
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const h = await identityHarness(engine, {
    PUBLIC_APP_URL: `${origin}/console`,
    ENABLE_METRICS: "true",
    WEBAUTHN_RP_ID: "localhost",
    WEBAUTHN_ORIGINS: origin,
    ...(await extra(origin)),
  });
  await h.app.listen({ host: "127.0.0.1", port });
  return { h, origin };
}
