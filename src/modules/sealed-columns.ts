import type { SealedColumn } from "../platform/crypto/sealed-columns.ts";
import { identitySealedColumns } from "./identity/index.ts";
import { ssoSealedColumns } from "./sso/index.ts";
import { webhooksSealedColumns } from "./webhooks/index.ts";

/**
 * Every column of sealed secrets, for `rampart keys rotate-encryption`. A module that stores a
 * sealed secret (TOTP seeds, SSO client secrets) exports its columns from its index.ts and
 * adds them here: one line.
 */
export const sealedColumns: readonly SealedColumn[] = [
  ...identitySealedColumns,
  ...webhooksSealedColumns,
  ...ssoSealedColumns,
];
