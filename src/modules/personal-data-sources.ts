import type { PersonalDataSource } from "../platform/db/personal-data.ts";
import { apiKeysPersonalData } from "./api-keys/index.ts";
import { auditPersonalData } from "./audit/index.ts";
import { type CompaniesDeps, membershipsPersonalData } from "./companies/index.ts";
import { invitationsPersonalData } from "./invitations/index.ts";
import { partnershipsPersonalData } from "./partners/index.ts";
import { socialPersonalData } from "./social/index.ts";
import { ssoPersonalData } from "./sso/index.ts";
import { webhooksPersonalData } from "./webhooks/index.ts";

/**
 * What the modules other than identity store about a person, handed to identity for the
 * export and the account deletion. The audit trail comes last: its erasure also covers
 * the events the others record while erasing.
 */
export function personalDataSources(companies: CompaniesDeps): readonly PersonalDataSource[] {
  return [
    membershipsPersonalData(companies),
    ...invitationsPersonalData,
    apiKeysPersonalData,
    partnershipsPersonalData,
    webhooksPersonalData,
    ssoPersonalData,
    socialPersonalData,
    auditPersonalData,
  ];
}
