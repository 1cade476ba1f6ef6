import { writeFile } from "node:fs/promises";
import type { CliCommand } from "../command.ts";
import { buildOpenapiDocument, renderOpenapiDocument } from "../openapi-snapshot.ts";

export const openapiCommand: CliCommand = {
  name: "openapi",
  summary: "Print the OpenAPI 3.1 document generated from the route schemas",
  usage: "rampart openapi [--output openapi.json]",
  options: { output: { type: "string", short: "o" } },
  async run(args, io) {
    const text = renderOpenapiDocument(await buildOpenapiDocument());
    const output = args.values.output;
    if (typeof output === "string") await writeFile(output, text);
    else io.stdout.write(text);
    return 0;
  },
};
