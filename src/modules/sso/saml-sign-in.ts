import type { RequestContext } from "../identity/index.ts";
import { completeSsoSignIn, previewSsoSignIn } from "./complete-sign-in.ts";
import { ssoErrors } from "./errors.ts";
import type { CallbackOutcome } from "./oidc-callback.ts";
import * as repo from "./repository.ts";
import { consumeSamlResponse, samlSpMetadata, startSamlSignIn } from "./saml/index.ts";
import { samlSettingsOf } from "./saml-connection.ts";
import type { SsoDeps } from "./service.ts";
import type { SamlStarter } from "./sign-in-start.ts";
import type { SsoConnectionsTable } from "./tables.ts";

// A SAML connection's sign-in through the SSO core: the SP-initiated start (discovery and
// the owner's test), and the ACS, whose identity goes to the same completeSsoSignIn as an
// OIDC callback's (JIT account, membership, role mapping, session amr ["sso", "saml"]).

/** SP-initiated starts: the request id is stored with its purpose (sign-in or dry run), server-side. */
export function samlStarter(deps: SsoDeps): SamlStarter {
  return {
    async start(connection, purpose, browserHash) {
      const settings = samlSettingsOf(deps, connection);
      const started = await startSamlSignIn({ db: deps.database.db, clock: deps.clock }, connection.id, settings, {
        purpose,
        browserHash,
      });
      return started.redirectUrl;
    },
  };
}

/** A SAML connection by the id in a public URL: unknown, deleted or not SAML → 404. */
async function samlConnection(deps: SsoDeps, connectionId: string): Promise<SsoConnectionsTable> {
  const connection = await repo.findConnectionById(deps.database.db, connectionId);
  if (!connection || connection.protocol !== "saml") throw ssoErrors.connectionNotFound();
  return connection;
}

/**
 * The SP metadata an owner hands to the IdP. Served for a disabled connection too: the
 * owner configures the IdP (and runs the test) before enabling it; it holds no secret.
 */
export async function samlMetadataOf(deps: SsoDeps, connectionId: string): Promise<string> {
  const connection = await samlConnection(deps, connectionId);
  return await samlSpMetadata(samlSettingsOf(deps, connection));
}

/**
 * The ACS: the response is checked for this connection (signature, issuer, audience,
 * recipient = this connection's ACS URL, time, InResponseTo, replay — 401 saml.* problems),
 * then, as the stored request's purpose says, the person is signed in, or (the owner's test)
 * the mapping report answers and nothing is created. A disabled connection signs nobody in
 * (completeSsoSignIn refuses it, 403 sso.connection_disabled).
 */
export async function samlAcs(
  deps: SsoDeps,
  connectionId: string,
  samlResponse: string,
  ctx: RequestContext,
  /** The browser-binding cookie's hash: an SP-initiated request is answered only in the browser that started it. */
  browserHash: string | undefined,
): Promise<CallbackOutcome> {
  const connection = await samlConnection(deps, connectionId);
  const settings = samlSettingsOf(deps, connection);
  let signIn: Awaited<ReturnType<typeof consumeSamlResponse>>;
  try {
    signIn = await consumeSamlResponse(
      { db: deps.database.db, clock: deps.clock },
      connection.id,
      settings,
      samlResponse,
      { browserHash },
    );
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    deps.logger.warn(
      {
        securityEvent: "sso.saml_response_refused",
        requestId: ctx.requestId,
        ip: ctx.ip,
        connectionId: connection.id,
        companyId: connection.company_id,
        code: typeof code === "string" ? code : "internal",
      },
      "security event sso.saml_response_refused",
    );
    throw error;
  }
  if (signIn.purpose === "test") {
    return { kind: "test", report: await previewSsoSignIn(deps, connection, signIn.identity) };
  }
  return { kind: "signed_in", result: await completeSsoSignIn(deps, connection, signIn.identity, ctx) };
}
