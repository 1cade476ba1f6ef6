import { issueAccessToken } from "../../platform/auth/access-token.ts";
import type { IdentityDeps } from "./service.ts";

// What a session's access tokens say about how and when it authenticated (RFC 8176 amr, auth_time).

/** How and when a session authenticated, as its tokens carry it (sessions created before #23: by password, at creation). */
export function sessionAuthentication(row: { amr: string | null; auth_time: string | null; created_at: string }) {
  return {
    amr: (row.amr ?? "pwd").split(",").filter((m) => m !== ""),
    authTime: Math.floor(Date.parse(row.auth_time ?? row.created_at) / 1000),
  };
}

export async function accessTokenFor(
  deps: IdentityDeps,
  userId: string,
  sessionId: string,
  authentication: { amr: readonly string[]; authTime: number },
) {
  const { accessToken, expiresIn } = await issueAccessToken(deps.signingKeys, deps.config, deps.clock, {
    userId,
    sessionId,
    ...authentication,
  });
  return { accessToken, tokenType: "Bearer" as const, expiresIn };
}
