import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { generate } from "orval";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Generates the typed client from openapi.json with orval: one file of types and one
 * function per operation, each calling `rampartFetch` (fetcher.ts, beside it). `root` is
 * the repository root — or a copy of the relevant files, which is how the staleness test
 * regenerates without touching the committed client.
 */
export async function generateClient(root: string = ROOT): Promise<void> {
  const output = join(root, "clients/typescript/generated");
  await mkdir(output, { recursive: true });
  await generate(
    {
      input: { target: join(root, "openapi.json") },
      output: {
        target: join(output, "rampart.ts"),
        client: "fetch",
        mode: "single",
        clean: true,
        override: { mutator: { path: join(root, "clients/typescript/fetcher.ts"), name: "rampartFetch" } },
      },
    },
    root,
  );
}

if (import.meta.main) await generateClient();
