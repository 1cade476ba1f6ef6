import { Type } from "@sinclair/typebox";
import { KeyMaterialError, parsePrivateKeyPem } from "../../platform/auth/key-material.ts";
import type { ConfigProblem, ConfigRule, SettingGroup } from "../setting.ts";

export const authSettings = {
  JWT_ALG: {
    schema: Type.Union([Type.Literal("RS256"), Type.Literal("ES256"), Type.Literal("EdDSA")]),
    default: "RS256",
    description:
      "Access-token signature algorithm: RS256 | ES256 | EdDSA. Must match the type of JWT_PRIVATE_KEY in production.",
    example: "ES256",
  },
  JWT_ISSUER: {
    schema: Type.String({ minLength: 1 }),
    default: "rampart",
    description: "The iss claim of access tokens, and the only issuer accepted when verifying them.",
    example: "https://auth.example.com",
  },
  JWT_AUDIENCE: {
    schema: Type.String({ minLength: 1 }),
    default: "rampart-api",
    description: "The aud claim of access tokens, and the only audience accepted when verifying them.",
    example: "rampart-api",
  },
  ACCESS_TOKEN_TTL_S: {
    schema: Type.Integer({ minimum: 30, maximum: 86400 }),
    default: "900",
    description: "Lifetime of an access token in seconds (default 15 minutes).",
    example: "900",
  },
  JWT_PRIVATE_KEY: {
    schema: Type.String({ minLength: 1 }),
    description:
      "PEM private key (RSA ≥ 2048, EC P-256 or Ed25519) that signs access tokens. Required in production (or JWT_PRIVATE_KEY_FILE); elsewhere a key is generated under <DATA_DIR>/keys.",
    example: '"-----BEGIN PRIVATE KEY-----\\n…\\n-----END PRIVATE KEY-----"',
    secret: true,
  },
  JWT_PRIVATE_KEY_FILE: {
    schema: Type.String({ minLength: 1 }),
    description:
      "Path of a PEM file holding the signing key, instead of JWT_PRIVATE_KEY (re-read on every key reload).",
    example: "/run/secrets/jwt-private-key.pem",
  },
  JWT_PREVIOUS_PUBLIC_KEYS: {
    schema: Type.String({ minLength: 1 }),
    description:
      "Production key rotation: concatenated PEM public keys that still verify tokens and stay in the JWKS (see docs/security-keys.md).",
    example: '"-----BEGIN PUBLIC KEY-----\\n…\\n-----END PUBLIC KEY-----"',
  },
  JWT_PREVIOUS_PUBLIC_KEYS_FILE: {
    schema: Type.String({ minLength: 1 }),
    description: "Path of a file holding JWT_PREVIOUS_PUBLIC_KEYS (re-read on every key reload).",
    example: "/run/secrets/jwt-previous-public-keys.pem",
  },
  JWT_KEYS_RELOAD_INTERVAL_S: {
    schema: Type.Integer({ minimum: 1, maximum: 3600 }),
    default: "30",
    description:
      "How often each instance re-reads its signing keys, so a rotation is picked up without a restart. Retired keys stay published this much longer.",
    example: "30",
  },
} satisfies SettingGroup;

/**
 * Production signs with an operator-provided key: a key generated on the fly would differ
 * per instance and vanish on redeploy, logging everyone out. An inline key is checked here
 * so a pasted-wrong key fails like every other config error (exit 78); a key file is read
 * at startup.
 */
const signingKeyRule: ConfigRule = (config) => {
  const problems: ConfigProblem[] = [];
  const inline = config.JWT_PRIVATE_KEY as string | undefined;
  const file = config.JWT_PRIVATE_KEY_FILE as string | undefined;
  if (inline !== undefined && file !== undefined) {
    problems.push({ name: "JWT_PRIVATE_KEY", message: "set either JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE, not both" });
  } else if (config.APP_ENV === "production" && inline === undefined && file === undefined) {
    problems.push({
      name: "JWT_PRIVATE_KEY",
      message: "is required in production (or JWT_PRIVATE_KEY_FILE): a PEM private key that signs access tokens",
      example: authSettings.JWT_PRIVATE_KEY_FILE.example,
    });
  }
  if (inline !== undefined) {
    try {
      const { alg } = parsePrivateKeyPem(inline, "JWT_PRIVATE_KEY");
      if (alg !== config.JWT_ALG) {
        problems.push({ name: "JWT_ALG", message: `is ${String(config.JWT_ALG)} but JWT_PRIVATE_KEY is a ${alg} key` });
      }
    } catch (error) {
      if (!(error instanceof KeyMaterialError)) throw error;
      problems.push({ name: "JWT_PRIVATE_KEY", message: error.message.replace(/^JWT_PRIVATE_KEY /, "") });
    }
  }
  if (config.JWT_PREVIOUS_PUBLIC_KEYS !== undefined && config.JWT_PREVIOUS_PUBLIC_KEYS_FILE !== undefined) {
    problems.push({
      name: "JWT_PREVIOUS_PUBLIC_KEYS",
      message: "set either JWT_PREVIOUS_PUBLIC_KEYS or JWT_PREVIOUS_PUBLIC_KEYS_FILE, not both",
    });
  }
  return problems;
};

export const authRules: ConfigRule[] = [signingKeyRule];
