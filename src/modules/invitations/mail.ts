import type { Role } from "../../platform/access/permissions.ts";

export interface InvitationMailInput {
  /** Chosen by the company's admins: cleaned before it reaches the invitee's inbox. */
  readonly companyName: string;
  readonly role: Role;
  readonly actionUrl: string;
  readonly expiresInDays: number;
}

const MAX_NAME_LENGTH = 80;

/**
 * Plain text: who invites, as what, the link and its expiry. Nothing else — no inviter
 * address, no ids — because a mail is forwarded and read by whoever holds the mailbox.
 */
export function renderInvitationMail(input: InvitationMailInput): { subject: string; text: string } {
  const company = cleanName(input.companyName);
  return {
    subject: `You are invited to join ${company} on Rampart`,
    text: `Hello,\n\nYou are invited to join ${company} on Rampart as ${article(input.role)} ${input.role}. To accept, sign in (or create an account) with this email address and open this link:\n\n${input.actionUrl}\n\nThe link works once and expires in ${input.expiresInDays} days.\n\nIf you did not expect this invitation, ignore this mail: nothing happens without the link.\n`,
  };
}

/** Line breaks and format characters in a name could fake extra lines of the mail. */
function cleanName(name: string): string {
  const cleaned = name
    .replace(/(?!\u200D)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  const chars = [...cleaned];
  return chars.length > MAX_NAME_LENGTH ? `${chars.slice(0, MAX_NAME_LENGTH).join("")}…` : cleaned;
}

function article(role: Role): string {
  return role === "owner" || role === "admin" ? "an" : "a";
}
