import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { enginesUnderTest } from "../helpers/database.ts";
import { batches, describeBatch, runBatch } from "./concurrent.ts";
import { openWorld, startingModel, type World } from "./world.ts";

// Issue #28: the business invariants under CONCURRENT calls. Each run fires batches of 2–4
// state-changing calls at one company at the same instant, resynchronises the model from
// the database and replays the company's audit chain as the witness of a serial order
// (concurrent.ts, witness.ts), then checks the sequential suite's invariants. Short and
// seeded here (part of `npm test`); `npm run test:props -- --concurrent-runs N` for more.

const RUNS = Number(process.env.PROPS_CONCURRENT_RUNS ?? 5);
const SEED = Number(process.env.PROPS_SEED ?? 20_261_206);
const MAX_BATCHES = Number(process.env.PROPS_BATCHES ?? 8);

for (const engine of await enginesUnderTest()) {
  describe(`business invariants under concurrent batches of calls (${engine.engine})`, { skip: engine.skip }, () => {
    let world: World;
    before(async () => {
      world = await openWorld(engine);
    });
    after(() => world.close());

    it(`hold for ${RUNS} seeded runs of up to ${MAX_BATCHES} concurrent batches (seed ${SEED})`, async () => {
      await fc.assert(
        fc.asyncProperty(batches(MAX_BATCHES), async (run) => {
          const model = await startingModel(world);
          for (const [i, batch] of run.entries()) {
            if (process.env.PROPS_TRACE === "1") process.stderr.write(`  batch ${i}: ${describeBatch(batch)}\n`);
            await runBatch(world, model, batch);
          }
        }),
        // A concurrent failure need not repeat while shrinking: shrinking is off unless asked for.
        { numRuns: RUNS, seed: SEED, endOnFailure: process.env.PROPS_SHRINK !== "1" },
      );
    });
  });
}
