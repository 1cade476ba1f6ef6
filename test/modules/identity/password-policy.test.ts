import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { checkPasswordPolicy, normalizePassword } from "../../../src/modules/identity/passwords.ts";

const path = "/body/password";
const check = (password: string, email?: string) => checkPasswordPolicy(password, { path, email });
const messages = (password: string, email?: string) => check(password, email).map((e) => e.message);

describe("password policy (NIST SP 800-63B)", () => {
  it("accepts a long passphrase and a password without digits, capitals or symbols (no composition rules)", () => {
    assert.deepEqual(check("correct horse battery staple"), []);
    assert.deepEqual(check("zebrapianoumbrella"), []);
    assert.deepEqual(check("Ünïcödé pässwörd 🔐"), []);
  });

  it("requires 8 to 256 characters, counted in code points after NFKC", () => {
    assert.deepEqual(check("short1!"), [{ path, message: "Use at least 8 characters (this one has 7)." }]);
    assert.deepEqual(check(""), [{ path, message: "Use at least 8 characters (this one has 0)." }]);
    // Four emoji are 8 UTF-16 units but 4 characters: too short.
    assert.deepEqual(messages("🐉🐉🐉🐉"), ["Use at least 8 characters (this one has 4)."]);
    assert.deepEqual(check("🐉🐉🐉🐉🐉🐉🐉🐉"), []);
    assert.deepEqual(check("x".repeat(256)), []);
    assert.deepEqual(check("x".repeat(257)), [{ path, message: "Use at most 256 characters (this one has 257)." }]);
    // 200 emoji: 400 UTF-16 units, 200 characters — acceptable.
    assert.deepEqual(check("🐉".repeat(200)), []);
    // A ligature expands under NFKC: "ﬃ" is one code point typed, three after normalisation.
    assert.deepEqual(check("\uFB03\uFB03ab"), []); // 4 typed, "ffiffiab" (8) after NFKC
    assert.equal(messages("\uFB03\uFB03")[0], "Use at least 8 characters (this one has 6).");
  });

  it("rejects the most common passwords, whatever their case", () => {
    for (const common of ["password", "12345678", "iloveyou", "Password1", "QWERTYUIOP", "baseball"]) {
      assert.deepEqual(
        check(common),
        [{ path, message: "This password is one of the most commonly used passwords; choose another." }],
        common,
      );
    }
  });

  it("ships a list of 10,000 common passwords with its source and licence", () => {
    const text = readFileSync(
      new URL("../../../src/modules/identity/data/common-passwords.txt", import.meta.url),
      "utf8",
    );
    const entries = text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
    assert.equal(entries.length, 10_000);
    assert.match(text, /^# Source: SecLists/m);
    assert.match(text, /^# Licence of the list: MIT License/m);
    // Every entry of acceptable length is rejected by the policy.
    for (const entry of entries.filter((e) => [...e].length >= 8)) assert.notDeepEqual(check(entry), [], entry);
  });

  it("rejects a password containing the email's local part (case-insensitive), also without its +tag", () => {
    const message = "The password must not contain your email address or its name part.";
    assert.deepEqual(messages("my-Jonathan-2024", "jonathan@example.com"), [message]);
    assert.deepEqual(messages("xxJONATHAN.SMITHxx", "Jonathan.Smith@example.com"), [message]);
    assert.deepEqual(messages("zoe-and-bob-forever", "bob+shop@example.com"), [message]);
    assert.deepEqual(check("zoe-and-bob-forever", "alice@example.com"), []);
    // A local part shorter than 3 characters is not a meaningful word to forbid.
    assert.deepEqual(check("albatross in flight", "al@example.com"), []);
    // Both rules can apply at once; each is reported.
    assert.equal(check("sunshine", "sunshine@example.com").length, 2);
  });

  it("reports at the JSON pointer the caller gives", () => {
    assert.deepEqual(checkPasswordPolicy("short", { path: "/body/newPassword" }), [
      { path: "/body/newPassword", message: "Use at least 8 characters (this one has 5)." },
    ]);
  });

  it("normalises with NFKC", () => {
    assert.equal(normalizePassword("\uFB01"), "fi");
    assert.equal(normalizePassword("cafe\u0301"), "caf\u00e9");
    assert.equal(normalizePassword("\uFF11\uFF12\uFF13"), "123"); // full-width digits
  });
});
