import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

// `npm run test:props -- --runs 500 --seed 42 [--commands 60] [--engine sqlite]
// [--concurrent-runs 100] [--batches 8]`: the business-invariant property tests, sequential
// and concurrent (issue #28), with more runs than `npm test`'s bounded, seeded default.
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "200" },
    seed: { type: "string", default: String(Date.now() % 2 ** 31) },
    commands: { type: "string", default: "40" },
    engine: { type: "string" },
    "concurrent-runs": { type: "string", default: "60" },
    batches: { type: "string", default: "8" },
  },
});
process.stdout.write(
  `property tests: ${values.runs} runs of up to ${values.commands} commands, ${values["concurrent-runs"]} runs of up to ${values.batches} concurrent batches, seed ${values.seed}\n`,
);
const result = spawnSync(
  process.execPath,
  [
    "--test",
    "--test-force-exit",
    "--test-concurrency=1",
    "--test-timeout=0",
    ...(values.engine ? [`--test-name-pattern=${values.engine}`] : []),
    "test/properties/business-invariants.test.ts",
    "test/properties/concurrent-invariants.test.ts",
  ],
  {
    stdio: "inherit",
    env: {
      ...process.env,
      PROPS_RUNS: values.runs,
      PROPS_SEED: values.seed,
      PROPS_COMMANDS: values.commands,
      PROPS_CONCURRENT_RUNS: values["concurrent-runs"],
      PROPS_BATCHES: values.batches,
    },
  },
);
process.exit(result.status ?? 1);
