import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { enginesUnderTest } from "../helpers/database.ts";
import { createKeyStep, deleteAccountStep, setUserSuspendedStep } from "./commands.ts";
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
    };

    it("[createKey(user#2, company#1, company:read api_keys:read), suspendUser(user#2)]: the key stops with its creator", async () => {
      // user#2 owns company#1 in the starting model (world.ts).
      await replay([createKeyStep({ member: 0 }, 1, ["company:read", "api_keys:read"]), setUserSuspendedStep(2, true)]);
    });

    it("[deleteAccount(user#0)]: the sole owner of company#0 cannot delete their account", async () => {
      await replay([deleteAccountStep(0)]);
    });
  });
}
