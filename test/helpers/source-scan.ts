import { readdirSync } from "node:fs";
import { join } from "node:path";

/* Reading the source as text, for tests that check a whole class of code (every writer of a cached table evicts it). */

/** Every .ts file under `dir`, recursively. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

/** Top-level functions of a file, by name, with their text (up to the next top-level function). */
export function topLevelFunctions(source: string): Map<string, string> {
  const starts = [...source.matchAll(/^(?:export )?(?:async )?function (\w+)/gm)];
  return new Map(
    starts.map((match, i) => [match[1] as string, source.slice(match.index, starts[i + 1]?.index ?? source.length)]),
  );
}
