import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { enginesUnderTest } from "../helpers/database.ts";
import { commandArbitraries } from "./commands.ts";
import { connectSsoStep, mapping, ssoArbitraries } from "./sso-commands.ts";
import { openWorld, startingModel, type World } from "./world.ts";

// Issue #20: the business invariants hold under every sequence of calls, explored by
// fast-check's model-based testing against the real app (SQLite always, PostgreSQL too
// when reachable). After every command: every company keeps an owner whose account is not
// deleted; every user and API key gets exactly the answers its CURRENT rights predict for
// reads and writes in every company; nothing answers 5xx; every company's audit chain
// verifies; every company's members have exactly the model's roles. Issue #24: companies
// connect an IdP and people sign in through it just in time (sso-commands.ts) — the same
// invariants hold for the members SSO made. Bounded and seeded for CI; `npm run test:props -- --runs N --seed S` for more.

const RUNS = Number(process.env.PROPS_RUNS ?? 10);
const SEED = Number(process.env.PROPS_SEED ?? 20_261_206);
const MAX_COMMANDS = Number(process.env.PROPS_COMMANDS ?? 60);

for (const engine of await enginesUnderTest()) {
  describe(`business invariants under any sequence of calls (${engine.engine})`, { skip: engine.skip }, () => {
    let world: World;
    before(async () => {
      world = await openWorld(engine);
    });
    after(() => world.close());

    it(`hold for ${RUNS} seeded runs of up to ${MAX_COMMANDS} commands (seed ${SEED})`, async (t) => {
      await fc.assert(
        fc.asyncProperty(
          fc.boolean(),
          mapping,
          fc.commands([...commandArbitraries(), ...ssoArbitraries()], { maxCommands: MAX_COMMANDS, size: "max" }),
          async (connected, map, commands) => {
            // Each run starts with people and companies of its own (world.ts); commands add and change the rest.
            const model = await startingModel(world);
            // Half the runs begin with company#0's owner connecting its IdP (the ordinary
            // command, through the API), so that sign-ins have somewhere to go from the start.
            const first = connected ? [connectSsoStep({ who: { member: 0 } }, 0, map)] : [];
            await fc.asyncModelRun(() => ({ model, real: world }), [...first, ...commands]);
          },
        ),
        { numRuns: RUNS, seed: SEED, endOnFailure: process.env.PROPS_NO_SHRINK === "1" },
      );
      // The SSO commands must have run, not just been generated (issue #24): a just-in-time
      // account, a sign-in into an existing one, and a refused one — over CI's runs and more.
      t.diagnostic(`SSO: ${JSON.stringify(world.stats)}`);
      if (RUNS >= 10) {
        assert.ok(world.stats.jitCreated > 0, "a just-in-time account was created");
        assert.ok(world.stats.jitUpdated > 0, "an existing account signed in by SSO");
        assert.ok(world.stats.jitRefused > 0, "a sign-in was refused");
      }
    });
  });
}
