// What other modules may use of companies: its service functions and public types, nothing else.

export { leaveEverythingForDeletion } from "./account-deletion.ts";
export { allCompanyIds } from "./all-ids.ts";
export { listAllCompanies, setCompanyStatus } from "./lifecycle.ts";
export { type KeyLiveness, type LockedTenant, lockForChange } from "./locks.ts";
export { addMember, syncSsoMembership } from "./members.ts";
export { mfaRequiredBy } from "./mfa-policy.ts";
export { membershipsPersonalData } from "./personal-data.ts";
export { companyRoutes } from "./routes.ts";
/** Shared with other modules' routes (Company, Role): registered once at the root; the path and slug shapes too. */
export { CompanyParams, companySchemas, RoleSchema, Slug } from "./schemas.ts";
export {
  type CompaniesDeps,
  type Company,
  companiesById,
  findCompanyById,
  findCompanyBySlug,
  forgetMembership,
  lockCompanyToJoin,
  membershipsOf,
  roleOf,
  statusOf,
  type UserProfiles,
} from "./service.ts";
export type { CompaniesTables } from "./tables.ts";
