import type { ProbeRequest, ProbeResponse } from "./http-probe.ts";

export type CheckStatus = "pass" | "warn" | "fail" | "skip";

/** What one check found: the verdict, the line that proves it, and what to do about it. */
export interface CheckResult {
  readonly status: CheckStatus;
  readonly evidence: string;
  /** How to make it pass; empty when it passes. */
  readonly fix: string;
}

/** Which expectations apply: production-only rules (HSTS, no /docs) fail only there. */
export interface Profile {
  readonly production: boolean;
  /** How doctor knows, e.g. "--production" or "Strict-Transport-Security sent on GET /health". */
  readonly reason: string;
}

export interface DoctorOptions {
  readonly url: URL;
  /** An origin the deployment is expected to allow (CORS_ORIGINS); unset: that half is skipped. */
  readonly origin: string | undefined;
  /** Asserted production profile; otherwise inferred from HSTS. */
  readonly production: boolean;
  /** Requests of the opt-in rate-limit burst; 0: not run. */
  readonly load: number;
  /** Upper bound of each check, in milliseconds. */
  readonly timeoutMs: number;
  /** A separate metrics listener (METRICS_PORT) that should not be reachable from here. */
  readonly metricsUrl: URL | undefined;
}

export interface DoctorContext {
  readonly options: DoctorOptions;
  /** Sends one request to the deployment (paths are relative to --url). */
  request(request: ProbeRequest): Promise<ProbeResponse>;
  /** Like request, but the same key is sent once per run and shared by every check that needs it. */
  shared(key: string, request: ProbeRequest): Promise<ProbeResponse>;
  profile(): Promise<Profile>;
}

export interface Check {
  /** Stable identifier, e.g. "security-headers"; the key in the JSON report. */
  readonly id: string;
  readonly title: string;
  /** Checks that spend the deployment's rate-limit budget run after all others. */
  readonly last?: boolean;
  run(ctx: DoctorContext): Promise<CheckResult>;
}

export const pass = (evidence: string): CheckResult => ({ status: "pass", evidence, fix: "" });
export const warn = (evidence: string, fix: string): CheckResult => ({ status: "warn", evidence, fix });
export const fail = (evidence: string, fix: string): CheckResult => ({ status: "fail", evidence, fix });
export const skip = (evidence: string, fix = ""): CheckResult => ({ status: "skip", evidence, fix });
