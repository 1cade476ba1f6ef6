import { notJudgeable } from "../probes.ts";
import type { Check } from "../types.ts";
import { fail, pass, warn } from "../types.ts";

export const JWKS_PATH = "/.well-known/jwks.json";

const ASYMMETRIC = new Set(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]);
/** Members only a private or symmetric key has (RFC 7518 §6): a JWKS must never carry them. */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

interface Jwk {
  readonly kty?: unknown;
  readonly kid?: unknown;
  readonly alg?: unknown;
  readonly n?: unknown;
  readonly crv?: unknown;
  readonly [member: string]: unknown;
}

function rsaBits(n: unknown): number {
  return typeof n === "string" ? Buffer.from(n, "base64url").length * 8 : 0;
}

/** The public keys that verify access tokens: served, asymmetric, public members only, RSA ≥ 2048 bits. */
export const jwksCheck: Check = {
  id: "jwks",
  title: "JWKS served with asymmetric public keys only",
  async run(ctx) {
    const response = await ctx.request({ path: JWKS_PATH });
    const fix =
      "Serve only the public halves of asymmetric signing keys (RS256 ≥ 2048 bits, ES256, EdDSA), each with kid and alg; see docs/security-keys.md.";
    // The kill switch may close JWKS too (it is an allowed path only if the operator lists it):
    // that is an incident being contained, not a broken key set.
    const blocked = notJudgeable(`GET ${JWKS_PATH}`, response);
    if (blocked) return blocked;
    if (response.status !== 200)
      return fail(`GET ${JWKS_PATH} → ${response.status}`, `Serve the token verification keys at ${JWKS_PATH}.`);
    let keys: Jwk[];
    try {
      const parsed = JSON.parse(response.body) as { keys?: unknown };
      if (!Array.isArray(parsed.keys)) throw new Error("no keys array");
      keys = parsed.keys as Jwk[];
    } catch {
      return fail(`GET ${JWKS_PATH} → 200 but not a JWK Set`, fix);
    }
    if (keys.length === 0) return fail(`GET ${JWKS_PATH} → an empty key set`, fix);
    const problems: string[] = [];
    const warnings: string[] = [];
    const described = keys.map((key) => {
      const name = `kid=${typeof key.kid === "string" ? key.kid : "(none)"}`;
      const alg = typeof key.alg === "string" ? key.alg : undefined;
      if (alg === undefined) warnings.push(`${name} declares no alg`);
      else if (!ASYMMETRIC.has(alg)) problems.push(`${name} alg ${alg}`);
      if (key.kty === "oct") problems.push(`${name} is a symmetric key`);
      const secret = PRIVATE_MEMBERS.filter((m) => key[m] !== undefined);
      if (secret.length > 0) problems.push(`${name} carries private member(s) ${secret.join(", ")}`);
      if (typeof key.kid !== "string") warnings.push("a key without kid (verifiers cannot pick it during rotation)");
      if (key.kty === "RSA") {
        const bits = rsaBits(key.n);
        if (bits < 2048) problems.push(`${name} RSA key of ${bits} bits`);
        return `${name} ${alg ?? "?"} RSA-${bits}`;
      }
      return `${name} ${alg ?? "?"} ${String(key.kty)}${typeof key.crv === "string" ? ` ${key.crv}` : ""}`;
    });
    if (problems.length > 0) return fail(problems.join("; "), fix);
    if (warnings.length > 0) return warn(warnings.join("; "), fix);
    return pass(`${keys.length} key(s): ${described.join(", ")}; public members only`);
  },
};
