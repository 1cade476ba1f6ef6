import { describe, notJudgeable, PROTECTED_ROUTE } from "../probes.ts";
import type { Check } from "../types.ts";
import { fail, pass } from "../types.ts";

/**
 * An unsigned token (`alg: none`, RFC 7519 §6) with plausible claims. A verifier that
 * takes the algorithm from the token instead of from its own key accepts it — the
 * classic JWT forgery.
 */
export function unsignedToken(nowSeconds: number): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const header = { alg: "none", typ: "JWT" };
  const claims = {
    sub: "00000000-0000-4000-8000-000000000000",
    sid: "00000000-0000-4000-8000-000000000000",
    iat: nowSeconds,
    nbf: nowSeconds,
    exp: nowSeconds + 600,
  };
  return `${encode(header)}.${encode(claims)}.`;
}

export const algNoneCheck: Check = {
  id: "alg-none",
  title: "An unsigned (alg: none) token is refused",
  async run(ctx) {
    const probe = `GET ${PROTECTED_ROUTE} with an alg:none token`;
    const response = await ctx.request({
      path: PROTECTED_ROUTE,
      headers: { authorization: `Bearer ${unsignedToken(Math.floor(Date.now() / 1000))}` },
    });
    const blocked = notJudgeable(probe, response);
    if (blocked) return blocked;
    if (response.status === 401) return pass(describe(probe, response));
    return fail(
      `${describe(probe, response)}: an unsigned token must get 401`,
      "Verify tokens only with the server's own keys and an allow-list of algorithms (Rampart: jose with the key's alg).",
    );
  },
};
