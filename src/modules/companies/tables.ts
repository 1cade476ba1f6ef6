import type { Role } from "../../platform/access/permissions.ts";

export type CompanyStatus = "active" | "suspended" | "deleted";

export interface CompaniesTable {
  id: string;
  name: string;
  slug: string;
  status: CompanyStatus;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  /** Since when members must have a second factor (company policy, issue #23); null: not required. */
  require_mfa_since?: string | null;
}

export interface MembershipsTable {
  company_id: string;
  user_id: string;
  role: Role;
  created_at: string;
  updated_at: string;
}

export interface CompaniesTables {
  companies: CompaniesTable;
  memberships: MembershipsTable;
}
