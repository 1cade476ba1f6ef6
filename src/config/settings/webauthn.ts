import { Type } from "@sinclair/typebox";
import type { ConfigProblem, ConfigRule, SettingGroup } from "../setting.ts";
import { commaList } from "../values/list.ts";

// Passkeys (WebAuthn, docs/security.md "Passkeys"). A credential is bound to the RP ID for
// ever: an RP ID picked by accident (a default) in production would strand every passkey
// the day it is corrected, so production names both the RP ID and the allowed origins.

/** Exactly an origin: what the browser puts in the client data, compared byte for byte. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      (url.protocol === "https:" || url.protocol === "http:") && url.origin === value && !url.hostname.endsWith(".")
    );
  } catch {
    return false;
  }
}
const RP_ID = /^$|^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

const notProduction = (resolved: Readonly<Record<string, unknown>>) => resolved.APP_ENV !== "production";

export const webauthnSettings = {
  WEBAUTHN_RP_ID: {
    schema: Type.String({ pattern: RP_ID.source, description: "a lower-case host name without scheme or port" }),
    defaultFrom: (resolved) => (notProduction(resolved) ? "localhost" : ""),
    description:
      "Passkeys' relying-party ID: the domain passkeys are bound to (the front end's host or a parent domain of it). Required in production; default localhost elsewhere.",
    example: "example.com",
  },
  WEBAUTHN_RP_NAME: {
    schema: Type.String({ minLength: 1, maxLength: 100 }),
    default: "Rampart",
    description: "The service name authenticators show when a passkey is created.",
    example: "Acme",
  },
  WEBAUTHN_ORIGINS: {
    schema: Type.String(),
    defaultFrom: (resolved) => {
      if (!notProduction(resolved)) return "";
      // PORT is absent when it did not parse (reported on its own): the front end alone then.
      return resolved.PORT === undefined
        ? "http://localhost:3000"
        : `http://localhost:3000,http://localhost:${String(resolved.PORT)}`;
    },
    description:
      "Origins (comma list, scheme://host[:port]) whose pages may create and use passkeys; each host must be the RP ID or below it. Required in production; default the development front end and this server on localhost elsewhere.",
    example: "https://app.example.com,https://admin.example.com",
  },
  WEBAUTHN_CHALLENGE_TTL_S: {
    schema: Type.Integer({ minimum: 30, maximum: 900 }),
    default: "300",
    description: "How long a passkey challenge (registration or sign-in options) may be answered, in seconds.",
    example: "300",
  },
} satisfies SettingGroup;

/** The origins passkey ceremonies accept (WEBAUTHN_ORIGINS). */
export function webauthnOrigins(config: { readonly WEBAUTHN_ORIGINS: string }): string[] {
  return commaList(config.WEBAUTHN_ORIGINS);
}

const originHostCovered = (origin: string, rpId: string) => {
  const host = new URL(origin).hostname;
  return host === rpId || host.endsWith(`.${rpId}`);
};

const webauthnRule: ConfigRule = (c) => {
  const problems: ConfigProblem[] = [];
  const rpId = String(c.WEBAUTHN_RP_ID ?? "");
  const origins = commaList(String(c.WEBAUTHN_ORIGINS ?? ""));
  const production = c.APP_ENV === "production";
  if (production && rpId === "")
    problems.push({
      name: "WEBAUTHN_RP_ID",
      message: "is required in production: the domain passkeys are bound to (changing it later strands every passkey)",
      example: webauthnSettings.WEBAUTHN_RP_ID.example,
    });
  if (production && origins.length === 0)
    problems.push({
      name: "WEBAUTHN_ORIGINS",
      message: "is required in production: the exact origins of the pages that use passkeys",
      example: webauthnSettings.WEBAUTHN_ORIGINS.example,
    });
  const malformed = origins.filter((o) => !isOrigin(o));
  if (malformed.length > 0) {
    problems.push({
      name: "WEBAUTHN_ORIGINS",
      message: `entries must be origins exactly as browsers send them: scheme://host[:port], lower case, no default port, no path (got ${malformed.join(", ")})`,
      example: webauthnSettings.WEBAUTHN_ORIGINS.example,
    });
    return problems;
  }
  // Browsers refuse a ceremony whose RP ID is not the page's host or a parent of it: such an
  // origin could never use a passkey, so it is a configuration mistake, said at startup.
  const outside = rpId === "" ? [] : origins.filter((o) => !originHostCovered(o, rpId));
  if (outside.length > 0)
    problems.push({
      name: "WEBAUTHN_ORIGINS",
      message: `hosts must be WEBAUTHN_RP_ID (${rpId}) or below it (got ${outside.join(", ")})`,
      example: webauthnSettings.WEBAUTHN_ORIGINS.example,
    });
  const plain = production ? origins.filter((o) => o.startsWith("http://")) : [];
  if (plain.length > 0)
    problems.push({
      name: "WEBAUTHN_ORIGINS",
      message: `must be https:// in production (got ${plain.join(", ")})`,
      example: webauthnSettings.WEBAUTHN_ORIGINS.example,
    });
  return problems;
};

export const webauthnRules: ConfigRule[] = [webauthnRule];
