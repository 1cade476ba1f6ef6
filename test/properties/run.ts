import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

// `npm run test:props -- --runs 500 --seed 42 [--commands 60] [--engine sqlite]`: the
// business-invariant property tests with more runs than CI's bounded, seeded default.
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "200" },
    seed: { type: "string", default: String(Date.now() % 2 ** 31) },
    commands: { type: "string", default: "40" },
    engine: { type: "string" },
  },
});
process.stdout.write(`property tests: ${values.runs} runs, seed ${values.seed}, up to ${values.commands} commands\n`);
const result = spawnSync(
  process.execPath,
  [
    "--test",
    "--test-force-exit",
    "--test-timeout=0",
    ...(values.engine ? [`--test-name-pattern=${values.engine}`] : []),
    "test/properties/business-invariants.test.ts",
  ],
  {
    stdio: "inherit",
    env: { ...process.env, PROPS_RUNS: values.runs, PROPS_SEED: values.seed, PROPS_COMMANDS: values.commands },
  },
);
process.exit(result.status ?? 1);
