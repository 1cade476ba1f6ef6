import { Writable } from "node:stream";
import type { App } from "../../src/app.ts";
import type { CheckStatus } from "../../src/cli/doctor/types.ts";
import { runCli } from "../../src/cli/run.ts";

export interface DoctorRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}

/** Runs `rampart doctor <args>` in process, as the CLI would, capturing its output. */
export async function runDoctor(args: readonly string[]): Promise<DoctorRun> {
  const out = sink();
  const err = sink();
  const code = await runCli(["doctor", ...args], { stdout: out.stream, stderr: err.stream, env: {} });
  return { code, stdout: out.text(), stderr: err.text() };
}

export interface JsonReport {
  readonly url: string;
  readonly profile: { readonly production?: boolean; readonly reason: string };
  readonly checks: readonly { id: string; title: string; status: CheckStatus; evidence: string; fix: string }[];
  readonly summary: Record<CheckStatus, number>;
}

/** `--format json` run: the parsed report and each check's status by id. */
export async function doctorJson(
  args: readonly string[],
): Promise<{ code: number; report: JsonReport; status: Record<string, CheckStatus> }> {
  const run = await runDoctor([...args, "--format", "json"]);
  const report = JSON.parse(run.stdout) as JsonReport;
  const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
  return { code: run.code, report, status };
}

/** Listens on an ephemeral loopback port; returns the base URL. */
export async function listen(app: App): Promise<string> {
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("not listening on TCP");
  return `http://127.0.0.1:${address.port}`;
}
