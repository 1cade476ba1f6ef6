/** The mails identity sends; each value is also the message's `kind` (file names, logs, X-Rampart-Kind). */
export type IdentityMailKind =
  | "verify-email"
  | "existing-account"
  | "password-reset"
  | "password-changed"
  | "recovery-code-used"
  | "factors-reset";

export interface MailTemplateInput {
  /**
   * The account holder's display name. For "existing-account" it must be the name on the
   * existing account, never the one typed into the sign-up form: that form is filled in by
   * whoever knows the address, and its text would otherwise reach the owner's inbox.
   */
  readonly name: string;
  readonly actionUrl: string;
  /** How long the link works, in minutes; stated in the mail when given. */
  readonly expiresInMinutes?: number;
}

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
}

/** Longest name shown in a greeting; a display name is no place for a paragraph. */
const MAX_NAME_LENGTH = 64;

/**
 * The link a mail's button would be: `<PUBLIC_APP_URL><path>?token=<token>`, the token
 * URL-encoded. PUBLIC_APP_URL may end with a slash or carry a path prefix.
 */
export function buildActionUrl(publicAppUrl: string, path: string, token: string): string {
  const url = new URL(publicAppUrl.endsWith("/") ? publicAppUrl : `${publicAppUrl}/`);
  url.pathname = `${url.pathname}${path.replace(/^\//, "")}`;
  url.searchParams.set("token", token);
  return url.toString();
}

/** Plain-text identity mails: short, saying what happened, what the link does and what to do if it was not you. */
export function renderMail(kind: IdentityMailKind, input: MailTemplateInput): RenderedMail {
  const hello = `Hello ${displayName(input.name)},`;
  const expiry = input.expiresInMinutes === undefined ? "" : ` It expires in ${duration(input.expiresInMinutes)}.`;
  const link = input.actionUrl;
  switch (kind) {
    case "verify-email":
      return {
        subject: "Confirm your email address",
        text: `${hello}\n\nPlease confirm your email address for Rampart by opening this link:\n\n${link}\n\nThe link works once.${expiry}\n\nUntil the address is confirmed, the account cannot create or join a company, nor invite anyone. If you did not create a Rampart account, ignore this mail.\n`,
      };
    case "existing-account":
      return {
        subject: "Someone tried to sign up with your email address",
        text: `${hello}\n\nSomeone, perhaps you, tried to create a Rampart account with this email address, but you already have one. If it was you, you can sign in, or reset your password here:\n\n${link}\n\nIf it was not you, there is nothing to do: your account is unchanged.\n`,
      };
    case "password-reset":
      return {
        subject: "Reset your Rampart password",
        text: `${hello}\n\nWe received a request to reset the password of your Rampart account. Choose a new password here:\n\n${link}\n\nThe link works once.${expiry} Resetting your password signs you out everywhere else.\n\nIf you did not ask for this, ignore this mail: your password stays as it is.\n`,
      };
    case "password-changed":
      return {
        subject: "Your Rampart password was changed",
        text: `${hello}\n\nThe password of your Rampart account was just changed, and every other session was signed out.\n\nIf this was not you, reset your password now and review your account:\n\n${link}\n`,
      };
    case "recovery-code-used":
      return {
        subject: "A recovery code was used on your Rampart account",
        text: `${hello}\n\nSomeone just signed in to your Rampart account with one of your recovery codes instead of your authenticator. Each code works once; you can make a new set in your security settings.\n\nIf this was not you, reset your password now and review your account:\n\n${link}\n`,
      };
    case "factors-reset":
      return {
        subject: "The second factors of your Rampart account were reset",
        text: `${hello}\n\nA platform administrator removed the second factors (authenticator apps and recovery codes) of your Rampart account, usually because you asked for it after losing your device. Sign in with your password and enrol a new factor here:\n\n${link}\n\nIf you did not ask for this, reset your password now and contact your administrator.\n`,
      };
  }
}

/**
 * A user-chosen name made safe for a plain-text greeting: control and format characters
 * (line breaks could fake extra lines of the mail, U+202E could reverse text) become
 * spaces, whitespace is collapsed, length
 * capped. An empty result greets "there".
 */
function displayName(name: string): string {
  const cleaned = name
    .replace(/(?!\u200D)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, " ") // keeps the joiner of emoji sequences
    .replace(/\s+/g, " ")
    .trim();
  const chars = [...cleaned];
  if (chars.length === 0) return "there";
  return chars.length > MAX_NAME_LENGTH ? `${chars.slice(0, MAX_NAME_LENGTH).join("")}…` : cleaned;
}

function duration(minutes: number): string {
  if (minutes % 60 === 0) {
    const hours = minutes / 60;
    return hours === 1 ? "1 hour" : `${hours} hours`;
  }
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}
