import { ignoreClosedStdout } from "./closed-pipe.ts";
import { runCli } from "./run.ts";

ignoreClosedStdout(process.stdout);

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
