import type { ReadinessCheck } from "./readiness.ts";

/** Host names that mean "this machine": a link to one opens on the user's own computer. */
const LOOPBACK_HOST = /^(localhost|.*\.localhost|127(\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0)$/i;

/**
 * Production mail that cannot reach users: without SMTP_URL, verification and reset mails
 * are written to <DATA_DIR>/outbox and pile up on disk; with a PUBLIC_APP_URL on localhost
 * (the development default), every link in them opens on the user's own machine. The
 * instance still starts — an operator can reach it and run the doctor — but answers not
 * ready, so no load balancer sends users to it and `rampart doctor` fails on it.
 */
export function mailSettingsReadinessCheck(settings: {
  readonly SMTP_URL: string | undefined;
  readonly PUBLIC_APP_URL: string;
}): ReadinessCheck {
  const problems: string[] = [];
  if (settings.SMTP_URL === undefined)
    problems.push("SMTP_URL is not set: mail is written to <DATA_DIR>/outbox and never delivered");
  if (LOOPBACK_HOST.test(new URL(settings.PUBLIC_APP_URL).hostname))
    problems.push(`PUBLIC_APP_URL is ${settings.PUBLIC_APP_URL}: links in mails would open on the user's own machine`);
  return {
    name: "mail-settings",
    required: true,
    async check() {
      if (problems.length > 0) throw new Error(problems.join("; "));
    },
  };
}
