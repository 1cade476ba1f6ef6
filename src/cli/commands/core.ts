import { renderEnvExample } from "../../config/env-example.ts";
import { describeConfig } from "../../config/load.ts";
import { RAMPART_VERSION } from "../../platform/version.ts";
import type { CliCommand } from "../command.ts";
import { loadConfigForCli } from "../config-for-cli.ts";

export const serveCommand: CliCommand = {
  name: "serve",
  summary: "Start the HTTP server (the default command)",
  async run(_args, io) {
    const { runServer } = await import("../../server.ts");
    await runServer(io.env);
    // The server keeps the process alive; its shutdown handler decides the exit code.
    return new Promise<number>(() => {});
  },
};

export const configCheckCommand: CliCommand = {
  name: "config check",
  summary: "Validate the configuration and print the effective values, secrets masked",
  async run(_args, io) {
    const config = loadConfigForCli(io);
    if (!config) return 78;
    const described = describeConfig(config);
    const width = Math.max(...Object.keys(described).map((k) => k.length));
    io.stdout.write("Configuration is valid.\n");
    for (const [name, value] of Object.entries(described)) io.stdout.write(`  ${name.padEnd(width)}  ${value}\n`);
    return 0;
  },
};

export const versionCommand: CliCommand = {
  name: "version",
  summary: "Print the Rampart version",
  async run(_args, io) {
    io.stdout.write(`rampart ${RAMPART_VERSION}\n`);
    return 0;
  },
};

export const configExampleCommand: CliCommand = {
  name: "config example",
  summary: "Print a .env.example listing every setting with its default",
  async run(_args, io) {
    io.stdout.write(renderEnvExample());
    return 0;
  },
};
