// Without esbuild's keepNames, a name two bundled modules share is renamed in the output
// (ajv's `class ValidationError` becomes `ValidationError2` beside ours), and with it the
// class's `.name`. keepNames would keep every name, but at a price on the hot path: it wraps
// every named function in `__name()`, Fastify's hook runners make a `next` function per
// request, and each one then pays an Object.defineProperty (/health: 26 against 19 µs of CPU
// per request, 2026-12-07). What must not change is a thrown error's name — AppError takes it
// from its class, and logs and error reports name errors by it — so the build gives those
// classes their name back once, where they are declared, and refuses an output that renamed
// one without doing so.

const CLASS = /\bclass\s+([A-Za-z_$][\w$]*)/g;
/** A class declared with a number appended, or a binding with one that a class expression is
 * assigned to (what esbuild makes of a renamed `class X extends Y`). */
const RENAMED = /\b(?:class\s+([A-Za-z_$][\w$]*?)(\d+)\b|(?:var|let|const)\s+([A-Za-z_$][\w$]*?)(\d+)\s*=\s*class\b)/g;

/** The class names a file declares that must survive bundling: every class under src/, and
 * elsewhere (packages) the error classes. */
export function namesToKeep(path: string, text: string): string[] {
  const names = [...new Set([...text.matchAll(CLASS)].map((match) => match[1] as string))];
  return path.includes("/src/") || path.startsWith("src/") ? names : names.filter((name) => name.endsWith("Error"));
}

/** The file with a statement after it that names each of `names` as declared, should the bundler
 * have renamed it (its name then is the declared one and a number; a name a class sets for
 * itself stays). A class not declared at the file's top level is left alone (typeof). */
export function withNamesRestored(text: string, names: readonly string[]): string {
  const restore = names.map((name) => {
    const quoted = JSON.stringify(name);
    const renamed = `${name}.name.startsWith(${quoted}) && /^\\d+$/.test(${name}.name.slice(${name.length}))`;
    return `typeof ${name} === "function" && ${renamed} && Object.defineProperty(${name}, "name", { value: ${quoted}, configurable: true });`;
  });
  return restore.length === 0 ? text : `${text}\n${restore.join("\n")}\n`;
}

/** Names in an output that are one of `kept` with a number the bundler appended, and whose
 * name was not given back. */
export function renamedIn(output: string, kept: ReadonlySet<string>, declared: ReadonlySet<string>): string[] {
  const renamed: string[] = [];
  for (const match of output.matchAll(RENAMED)) {
    const name = match[1] ?? match[3];
    const candidate = `${name}${match[2] ?? match[4]}`;
    if (!kept.has(name as string) || declared.has(candidate)) continue;
    if (!output.includes(`defineProperty(${candidate},"name",{value:${JSON.stringify(name)}`)) renamed.push(candidate);
  }
  return [...new Set(renamed)];
}
