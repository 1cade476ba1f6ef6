import type { Company, Role } from "../../clients/typescript/index.ts";
import { type Permission, ROLE_PERMISSIONS } from "../../src/platform/access/permissions.ts";

/**
 * What the signed-in member's role allows, from the server's own role table (one source of
 * truth). Only to decide what to show: every call is still checked by the API, and a
 * direct URL to a screen the role cannot use shows the API's refusal, not the screen.
 */
export function can(company: Company | undefined, permission: Permission): boolean {
  const role = company?.myRole;
  return role !== undefined && ROLE_PERMISSIONS[role].includes(permission);
}

export const ROLE_ORDER: readonly Role[] = ["owner", "admin", "manager", "member", "viewer"];
