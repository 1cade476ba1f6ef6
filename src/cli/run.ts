import { parseArgs } from "node:util";
import { type CliCommand, type CliIo, EXIT_USAGE, UsageError } from "./command.ts";
import { commands } from "./commands/index.ts";

export function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  const lines = commands.map(
    (c) => `  ${c.name.padEnd(width)}  ${c.summary}${c.usage ? `\n  ${" ".repeat(width)}    ${c.usage}` : ""}`,
  );
  return `Usage: rampart [command] [options]\n\nCommands:\n${lines.join("\n")}\n  ${"help".padEnd(width)}  Show this help\n`;
}

/** Picks the command whose name matches the most leading words of argv. */
function findCommand(argv: readonly string[]): { command: CliCommand; rest: string[] } | undefined {
  const words = argv.filter((a) => !a.startsWith("-"));
  let best: CliCommand | undefined;
  for (const command of commands) {
    const parts = command.name.split(" ");
    if (parts.every((p, i) => words[i] === p) && (!best || parts.length > best.name.split(" ").length)) best = command;
  }
  if (!best) return undefined;
  const rest = [...argv];
  for (const part of best.name.split(" ")) rest.splice(rest.indexOf(part), 1);
  return { command: best, rest };
}

/** Runs `rampart …`; returns the exit code. Usage problems go to stderr with exit 64. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.length === 0) argv = ["serve"];
  if (argv[0] === "help" || argv[0] === "--help" || argv[0] === "-h") {
    io.stdout.write(usage());
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    io.stderr.write(`rampart: unknown command "${argv.join(" ")}"\n\n${usage()}`);
    return EXIT_USAGE;
  }
  const { command, rest } = found;
  try {
    const parsed = parseArgs({
      args: rest,
      options: command.options ?? {},
      strict: true,
      allowPositionals: command.positionals ?? false,
    });
    return await command.run({ values: parsed.values, positionals: parsed.positionals }, io);
  } catch (error) {
    const isUsage =
      error instanceof UsageError ||
      (error instanceof TypeError && String((error as { code?: string }).code).startsWith("ERR_PARSE_ARGS"));
    if (!isUsage) throw error;
    io.stderr.write(`rampart ${command.name}: ${error.message}\n\n${usage()}`);
    return EXIT_USAGE;
  }
}
