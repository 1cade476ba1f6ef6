/** A load scenario: which server to start, what to request, and what to prepare first. */
export interface Scenario {
  readonly name: string;
  readonly target: "bare" | "rampart";
  readonly path: string;
  readonly method?: "GET" | "POST";
  /** Extra environment for the Rampart instance (e.g. DATABASE_URL). */
  readonly env?: Record<string, string>;
  /** Runs against the started server before the load, returns request headers (e.g. a bearer token). */
  prepare?(baseUrl: string): Promise<Record<string, string>>;
  /** Compare requests/s with this scenario's and print the percentage. */
  readonly baseline?: string;
  /** Minimum percentage of the baseline's requests/s; the run fails below it. */
  readonly targetPercent?: number;
}

export const scenarios: Scenario[] = [
  { name: "bare node:http JSON", target: "bare", path: "/" },
  {
    name: "GET /health",
    target: "rampart",
    path: "/health",
    baseline: "bare node:http JSON",
    targetPercent: 70,
  },
  {
    name: "GET /.well-known/jwks.json",
    target: "rampart",
    path: "/.well-known/jwks.json",
    baseline: "bare node:http JSON",
  },
];
