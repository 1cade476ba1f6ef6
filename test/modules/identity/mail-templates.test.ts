import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildActionUrl, type IdentityMailKind, renderMail } from "../../../src/modules/identity/mail-templates.ts";
import { testConfig } from "../../helpers/app.ts";

const kinds: IdentityMailKind[] = [
  "verify-email",
  "existing-account",
  "password-reset",
  "password-changed",
  "recovery-code-used",
  "factors-reset",
];
const link = "https://app.example.com/verify-email?token=abc";

describe("identity mail templates", () => {
  it("builds action links on PUBLIC_APP_URL (default http://localhost:3000), the token URL-encoded", () => {
    assert.equal(testConfig().PUBLIC_APP_URL, "http://localhost:3000");
    assert.equal(
      buildActionUrl(testConfig().PUBLIC_APP_URL, "/verify-email", "t0k3n"),
      "http://localhost:3000/verify-email?token=t0k3n",
    );
    assert.equal(
      buildActionUrl("https://example.com/app/", "/reset-password", "a+b/c=="),
      "https://example.com/app/reset-password?token=a%2Bb%2Fc%3D%3D",
    );
    assert.equal(
      buildActionUrl("https://example.com/app", "reset-password", "x"),
      "https://example.com/app/reset-password?token=x",
    );
  });

  it("refuses a PUBLIC_APP_URL that is not http(s)", () => {
    assert.throws(() => testConfig({ PUBLIC_APP_URL: "javascript:alert(1)" }), /PUBLIC_APP_URL/);
  });

  it("renders every mail with a subject, the greeting and the link on a line of its own", () => {
    const subjects = new Set<string>();
    for (const kind of kinds) {
      const mail = renderMail(kind, { name: "Ada Lovelace", actionUrl: link });
      subjects.add(mail.subject);
      assert.match(mail.text, /^Hello Ada Lovelace,\n/, kind);
      assert.match(mail.text, new RegExp(`\\n${link.replace(/[?.]/g, "\\$&")}\\n`), kind);
    }
    assert.equal(subjects.size, kinds.length, "each mail has its own subject");
  });

  it("states how long the link works when told", () => {
    assert.match(
      renderMail("verify-email", { name: "A", actionUrl: link, expiresInMinutes: 24 * 60 }).text,
      /It expires in 24 hours\./,
    );
    assert.match(
      renderMail("password-reset", { name: "A", actionUrl: link, expiresInMinutes: 60 }).text,
      /It expires in 1 hour\./,
    );
    assert.match(renderMail("password-reset", { name: "A", actionUrl: link, expiresInMinutes: 15 }).text, /15 minutes/);
    assert.doesNotMatch(renderMail("password-reset", { name: "A", actionUrl: link }).text, /expires/);
  });

  it("keeps a hostile display name on one short line of the greeting", () => {
    const name = `Eve\r\n\r\nYour account is suspended, call +1 555 0100\u202E${"x".repeat(200)}`;
    const { text } = renderMail("verify-email", { name, actionUrl: link });
    const greeting = text.split("\n")[0] ?? "";
    assert.ok(greeting.startsWith("Hello Eve Your account is suspended"), greeting);
    assert.ok([...greeting].length <= "Hello ".length + 64 + 2, greeting);
    assert.doesNotMatch(text, /\u202E/);
    assert.match(renderMail("verify-email", { name: " \n\t ", actionUrl: link }).text, /^Hello there,/);
    assert.match(renderMail("verify-email", { name: "👩‍💻 Ada", actionUrl: link }).text, /^Hello 👩‍💻 Ada,/);
  });
});
