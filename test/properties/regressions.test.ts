import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { enginesUnderTest } from "../helpers/database.ts";
import { createKeyStep, deleteAccountStep, enrolFactorStep, setUserSuspendedStep, transferStep } from "./commands.ts";
import { connectSsoStep, jitSignInStep } from "./sso-commands.ts";
import { openWorld, startingModel, type World } from "./world.ts";

// Every counterexample the property tests shrank to, replayed as a named test through the
// same commands and checks (world.ts). Both were found with the fix of issue #20 undone.

for (const engine of await enginesUnderTest()) {
  describe(`property-test counterexamples (${engine.engine})`, { skip: engine.skip }, () => {
    let world: World;
    before(async () => {
      world = await openWorld(engine);
    });
    after(() => world.close());

    const replay = async (commands: fc.AsyncCommand<never, World>[]) => {
      const model = await startingModel(world);
      await fc.asyncModelRun(() => ({ model: model as never, real: world }), commands);
      return model;
    };

    it("[createKey(user#2, company#1, company:read api_keys:read), suspendUser(user#2)]: the key stops with its creator", async () => {
      // user#2 owns company#1 in the starting model (world.ts).
      await replay([createKeyStep({ member: 0 }, 1, ["company:read", "api_keys:read"]), setUserSuspendedStep(2, true)]);
    });

    it("[deleteAccount(user#0)]: the sole owner of company#0 cannot delete their account", async () => {
      await replay([deleteAccountStep(0)]);
    });

    it("[connectSso, jitSignIn(new, []), deleteAccount(them)]: an account SSO created deletes itself on its recent sign-in", async () => {
      const map = { roles: {}, defaultRole: "admin" as const };
      const model = await replay(
        [
          connectSsoStep({ who: { user: 0 } }, 0, map),
          jitSignInStep({ connected: 0 }, { fresh: true }, []),
          deleteAccountStep(4),
        ].map((step) => step as never),
      );
      assert.equal(model.users[4]?.passwordless, true);
      assert.equal(model.users[4]?.status, "deleted");
    });

    it("[connectSso, jitSignIn(new, []), enrolFactor(them), jitSignIn(them, []), deleteAccount(them)]: an SSO account with its own factor cannot pass step-up, so cannot delete itself", async () => {
      const map = { roles: {}, defaultRole: "admin" as const };
      const at = { connected: 0 };
      const model = await replay(
        [
          connectSsoStep({ who: { user: 0 } }, 0, map),
          jitSignInStep(at, { fresh: true }, []),
          enrolFactorStep(4),
          jitSignInStep(at, { known: 0 }, []),
          deleteAccountStep(4),
        ].map((step) => step as never),
      );
      assert.equal(model.users[4]?.status, "active");
    });

    it("[connectSso(user#3, company#1)]: a plain member cannot connect an IdP; the owner can", async () => {
      // company#1's members are user#2 (owner) and user#3 (member) in the starting model.
      const map = { roles: { "g-admin": "admin" as const }, defaultRole: "member" as const };
      const refused = await replay([connectSsoStep({ who: { user: 3 } }, 1, map) as never]);
      assert.equal(refused.companies[1]?.sso, undefined);
      const connected = await replay([connectSsoStep({ who: { user: 2 } }, 1, map) as never]);
      assert.ok(connected.companies[1]?.sso);
    });

    it("[connectSso, jitSignIn(new, [g-viewer g-admin]), transfer to them, jitSignIn(them, []), jitSignIn(new, []), jitSignIn(that one, [g-manager]), jitSignIn(user#0's address)]: strongest mapping wins, an owner stays owner, later sign-ins follow the groups, another domain is refused", async () => {
      const map = {
        roles: { "g-admin": "admin" as const, "g-manager": "manager" as const, "g-viewer": "viewer" as const },
        defaultRole: "member" as const,
      };
      const at = { connected: 0 };
      const model = await replay(
        [
          connectSsoStep({ who: { user: 0 } }, 0, map),
          jitSignInStep(at, { fresh: true }, ["g-viewer", "g-admin"]),
          transferStep({ user: 0 }, 0, 4),
          jitSignInStep(at, { known: 0 }, []),
          jitSignInStep(at, { fresh: true }, []),
          jitSignInStep(at, { known: 1 }, ["g-manager"]),
          jitSignInStep(at, { foreign: 0 }, ["g-admin"]),
        ].map((step) => step as never),
      );
      // Every step's outcome was checked against the app (members, roles, probes) as it ran.
      const company = model.companies[0];
      assert.equal(company?.members.get(4), "owner", "the IdP never demotes an owner");
      assert.equal(company?.members.get(0), "admin", "the former owner, as transfer leaves them");
      assert.equal(company?.members.get(5), "manager", "a later sign-in follows the groups");
      assert.equal(model.users.length, 6, "the address of another domain made no account");
      assert.equal(model.users[4]?.passwordless, true);
    });
  });
}
