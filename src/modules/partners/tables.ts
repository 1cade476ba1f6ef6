export type PartnershipStatus = "pending" | "active" | "rejected" | "revoked";

export interface PartnershipsTable {
  id: string;
  requester_company_id: string;
  partner_company_id: string;
  /** The two company ids sorted and joined by ":"; unique among pending and active rows. */
  pair_key: string;
  /** JSON array of permission names (a subset of PARTNER_SCOPES). */
  scopes: unknown;
  status: PartnershipStatus;
  requested_by: string | null;
  decided_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface PartnersTables {
  partnerships: PartnershipsTable;
}
