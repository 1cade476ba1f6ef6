import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { enginesUnderTest } from "../helpers/database.ts";
import { bearer, STRONG_PASSWORD } from "../helpers/identity.ts";
import { createCompany, joinDirectly, makePlatformAdmin, newUser } from "../helpers/tenancy.ts";
import { launchChromium, signIn } from "./browser.ts";
import { consoleServer } from "./server.ts";

// `npm run console:screenshots`: the two pictures the README shows (docs/images/), taken from
// a real Rampart with a little data, in Chromium at 1280×800 — the members screen in light
// and the audit trail in dark. The test run writes every screen to screenshots/ instead.

const OUT = fileURLToPath(new URL("../../docs/images/", import.meta.url));
const [sqlite] = await enginesUnderTest();
assert.ok(sqlite);
const s = await consoleServer(sqlite);
const browser = await launchChromium();
try {
  const owner = await newUser(s.h, "grace");
  const company = await createCompany(s.h.app, owner, "acme", "Acme Robotics");
  for (const [label, role] of [
    ["alan", "admin"],
    ["katherine", "manager"],
    ["margaret", "member"],
    ["edsger", "viewer"],
  ] as const) {
    const user = await newUser(s.h, label);
    await joinDirectly(s.h, company.id, user, role);
    if (role === "member") {
      await s.h.app.inject({
        method: "PATCH",
        url: `/api/v1/companies/${company.id}/members/${user.userId}`,
        headers: bearer(owner.accessToken),
        payload: { role: "manager" },
      });
    }
  }
  await s.h.app.inject({
    method: "POST",
    url: `/api/v1/companies/${company.id}/api-keys`,
    headers: bearer(owner.accessToken),
    payload: { name: "billing-sync", scopes: ["company:read", "members:read"] },
  });
  await makePlatformAdmin(s.h, owner.userId);
  mkdirSync(OUT, { recursive: true });

  const light = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: "light" });
  const page = await light.newPage();
  await signIn(page, s.origin, owner.email, STRONG_PASSWORD, `/console/companies/${company.id}/members`);
  await page.getByRole("heading", { name: "Members of Acme Robotics" }).waitFor();
  await page.screenshot({ path: `${OUT}console-members.png` });
  await light.close();

  const dark = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: "dark" });
  const darkPage = await dark.newPage();
  await signIn(darkPage, s.origin, owner.email, STRONG_PASSWORD, `/console/companies/${company.id}/audit`);
  await darkPage.getByRole("heading", { name: "Audit trail of Acme Robotics" }).waitFor();
  await darkPage.getByRole("row").nth(1).waitFor();
  await darkPage.screenshot({ path: `${OUT}console-audit-dark.png` });
  await dark.close();
  process.stdout.write(`wrote ${OUT}console-members.png and ${OUT}console-audit-dark.png\n`);
} finally {
  await browser.close();
  await s.h.close();
}
