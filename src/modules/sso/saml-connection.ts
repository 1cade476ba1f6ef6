import type { Static } from "@sinclair/typebox";
import { parseJson } from "../../platform/db/dialect.ts";
import { AppError, type FieldError } from "../../platform/errors/app-error.ts";
import { checkUrlForm, resolveTarget, systemResolver, TargetRefused } from "../webhooks/index.ts";
import {
  fetchIdpMetadata,
  parseIdpMetadata,
  type SamlConnectionSettings,
  samlErrors,
  samlSettings,
} from "./saml/index.ts";
import { ssrfSafeFetch } from "./saml-fetch.ts";
import type * as schemas from "./schemas.ts";
import type { SsoDeps } from "./service.ts";
import type { SsoConnectionsTable } from "./tables.ts";

// A SAML connection as the service-provider layer (./saml) sees it: Rampart's side (entity
// id, ACS URL) derived from the connection id and PUBLIC_APP_URL, the IdP's side and the
// options from the row. Written only through `samlColumnsFor`, which validates the whole.

type SamlInput = Static<typeof schemas.SamlInput>;
type SamlRow = Pick<
  SsoConnectionsTable,
  | "id"
  | "saml_idp_entity_id"
  | "saml_idp_sso_url"
  | "saml_idp_certificates"
  | "saml_idp_metadata_xml"
  | "saml_sp_entity_id"
  | "saml_settings"
  | "email_claim"
  | "name_claim"
  | "groups_claim"
>;

/** The mapping's email attribute name that means "the NameID itself" (the IdP sends the address as NameID). */
export const NAME_ID = "NameID";
const METADATA_TIMEOUT_MS = 5000;

/** The connection's public SAML endpoints, under PUBLIC_APP_URL (as the OIDC callback is). */
export function samlUrls(deps: SsoDeps, connectionId: string) {
  const base = `${deps.settings.samlBaseUrl.replace(/\/+$/, "")}/${connectionId}`;
  return { metadataUrl: `${base}/metadata`, acsUrl: `${base}/acs` };
}

/** The saml_settings keys an owner may set, each checked for its type (samlSettings checks ranges). */
const OPTION_TYPES = {
  allowIdpInitiated: "boolean",
  wantAuthnResponseSigned: "boolean",
  clockSkewMs: "number",
  nameIdFormat: "string",
} as const;
type Options = Partial<Pick<SamlConnectionSettings, keyof typeof OPTION_TYPES>>;

function checkedOptions(raw: Record<string, unknown>, path: string): Options {
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const type = OPTION_TYPES[key as keyof typeof OPTION_TYPES];
    if (type === undefined) {
      errors.push({
        path: `${path}/${key}`,
        message: `is not a SAML setting (${Object.keys(OPTION_TYPES).join(", ")})`,
      });
    } else if (!(typeof value === type || (key === "nameIdFormat" && value === null))) {
      errors.push({ path: `${path}/${key}`, message: `must be a ${type}` });
    }
  }
  if (errors.length > 0) throw samlErrors.invalidSettings(errors);
  return raw as Options;
}

/** The SP layer's settings of a stored connection. Throws saml.invalid_settings (422) at `path` if unusable. */
export function samlSettingsOf(deps: SsoDeps, row: SamlRow, path = "/body/saml"): SamlConnectionSettings {
  const urls = samlUrls(deps, row.id);
  const options = checkedOptions(parseJson<Record<string, unknown>>(row.saml_settings) ?? {}, `${path}/settings`);
  try {
    return settingsOf(row, urls, options, path);
  } catch (error) {
    // samlSettings names fields flat; the options an owner sets live under saml.settings.
    if (!(error instanceof AppError) || error.errors === undefined) throw error;
    throw samlErrors.invalidSettings(
      error.errors.map((e) => {
        const key = e.path.slice(path.length + 1);
        return Object.hasOwn(OPTION_TYPES, key) ? { ...e, path: `${path}/settings/${key}` } : e;
      }),
    );
  }
}

function settingsOf(
  row: SamlRow,
  urls: ReturnType<typeof samlUrls>,
  options: Options,
  path: string,
): SamlConnectionSettings {
  return samlSettings(
    {
      spEntityId: row.saml_sp_entity_id ?? urls.metadataUrl,
      acsUrl: urls.acsUrl,
      idpEntityId: row.saml_idp_entity_id ?? "",
      idpSsoUrl: row.saml_idp_sso_url ?? "",
      idpCertificates: parseJson<string[]>(row.saml_idp_certificates) ?? [],
      ...options,
      attributes: {
        ...(row.email_claim !== NAME_ID ? { email: row.email_claim } : {}),
        name: row.name_claim,
        groups: row.groups_claim,
      },
    },
    path,
  );
}

/**
 * The metadata document an input names: its XML, or the XML fetched from its URL. The URL is
 * the owner's choice, so it is fetched SSRF-safe: a private or loopback host is refused
 * (unless SSO_ALLOW_INSECURE_ISSUERS, for local development), no redirect is followed, time
 * and size are bounded.
 */
async function metadataXmlOf(deps: SsoDeps, input: SamlInput): Promise<string | undefined> {
  if (input.metadataUrl === undefined) return input.idpMetadataXml;
  const path = "/body/saml/metadataUrl";
  if (input.idpMetadataXml !== undefined)
    throw samlErrors.invalidMetadata(path, "give metadataXml or metadataUrl, not both");
  const allowPrivate = deps.settings.allowInsecureIssuers;
  try {
    // Checked here for a clear answer; the fetch checks again and connects to the checked address.
    await resolveTarget(checkUrlForm(input.metadataUrl), allowPrivate, systemResolver);
  } catch (error) {
    throw samlErrors.invalidMetadata(
      path,
      error instanceof TargetRefused ? `is refused: ${error.message}` : "does not resolve",
    );
  }
  return fetchIdpMetadata(input.metadataUrl, {
    timeoutMs: METADATA_TIMEOUT_MS,
    fetchImpl: ssrfSafeFetch(allowPrivate),
    path,
  });
}

/**
 * The columns a SAML input writes, fetched and parsed before any transaction: the IdP
 * metadata (XML or URL) fills the IdP's entity id, SSO URL and certificates; fields given
 * explicitly win over it.
 */
export async function samlInputColumns(deps: SsoDeps, input: SamlInput): Promise<Partial<SsoConnectionsTable>> {
  const xml = await metadataXmlOf(deps, input);
  const metadata =
    xml === undefined
      ? undefined
      : parseIdpMetadata(xml, input.metadataUrl !== undefined ? "/body/saml/metadataUrl" : "/body/saml/idpMetadataXml");
  const entityId = input.idpEntityId ?? metadata?.idpEntityId;
  const ssoUrl = input.idpSsoUrl ?? metadata?.idpSsoUrl;
  const certificates = input.idpCertificates ?? metadata?.idpCertificates;
  return {
    ...(entityId !== undefined ? { saml_idp_entity_id: entityId } : {}),
    ...(ssoUrl !== undefined ? { saml_idp_sso_url: ssoUrl } : {}),
    ...(certificates !== undefined ? { saml_idp_certificates: JSON.stringify(certificates) } : {}),
    ...(xml !== undefined ? { saml_idp_metadata_xml: xml } : {}),
    ...(input.spEntityId !== undefined ? { saml_sp_entity_id: input.spEntityId } : {}),
    ...(input.settings !== undefined ? { saml_settings: JSON.stringify(input.settings) } : {}),
  };
}
