import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Mails to `to` in a server's `<DATA_DIR>/outbox` (raw .eml text), oldest first. */
export function mailsTo(outbox: string, to: string): string[] {
  let files: string[];
  try {
    files = readdirSync(outbox);
  } catch {
    return [];
  }
  return files
    .filter((f) => f.endsWith(".eml"))
    .sort()
    .map((f) => readFileSync(join(outbox, f), "utf8"))
    .filter((mail) => mail.includes(to));
}

/**
 * The `token=` of the action link in the newest mail to `to`, waiting until there are more than
 * `seen` of them: a real server process writes the mail after it has answered.
 */
export async function nextMailToken(outbox: string, to: string, seen = 0, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = mailsTo(outbox, to);
    const newest = mails.at(-1);
    if (mails.length > seen && newest !== undefined) {
      // Quoted-printable: soft line breaks and =3D would split or hide the link.
      const unfolded = newest.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
      const match = /token=([A-Za-z0-9_-]{20,})/.exec(unfolded);
      assert.ok(match?.[1], `the mail to ${to} carries a token link`);
      return match[1];
    }
    assert.ok(Date.now() < deadline, `a new mail to ${to} within ${timeoutMs} ms`);
    await sleep(50);
  }
}
