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
        // Stated here rather than read from tsconfig.json, so the output does not depend on
        // where it is generated: Node runs .ts directly, so imports keep their extension.
        tsconfig: { compilerOptions: { allowImportingTsExtensions: true, module: "nodenext", target: "esnext" } },
        override: { mutator: { path: join(root, "clients/typescript/fetcher.ts"), name: "rampartFetch" } },
      },
    },
    root,
  );
}

// `node clients/typescript/generate.ts [root]`. Run as its own process: orval keeps an
// esbuild service alive that would otherwise hold the caller's event loop open.
if (import.meta.main) await generateClient(process.argv[2] ?? ROOT);
