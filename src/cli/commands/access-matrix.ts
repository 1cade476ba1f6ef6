import { writeFile } from "node:fs/promises";
import { operationsOf, renderAccessMatrix } from "../../platform/access/matrix.ts";
import type { CliCommand } from "../command.ts";
import { buildOpenapiDocument } from "../openapi-snapshot.ts";

export const accessMatrixCommand: CliCommand = {
  name: "access-matrix",
  summary: "Print the caller × operation access table generated from the routes' declarations (docs/access-matrix.md)",
  usage: "rampart access-matrix [--output docs/access-matrix.md]",
  options: { output: { type: "string", short: "o" } },
  async run(args, io) {
    const document = (await buildOpenapiDocument()) as Parameters<typeof operationsOf>[0];
    const text = renderAccessMatrix(operationsOf(document));
    const output = args.values.output;
    if (typeof output === "string") await writeFile(output, text);
    else io.stdout.write(text);
    return 0;
  },
};
