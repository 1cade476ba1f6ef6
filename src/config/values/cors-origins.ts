import type { ConfigProblem } from "../setting.ts";
import { commaList } from "./list.ts";

// An origin is scheme, host and optional port — nothing else — so matching can be exact.
const ORIGIN = /^https?:\/\/[^/?#\s]+$/;

/** CORS_ORIGINS problems: malformed origins, and "*" with credentials (which would let any site act as the user). */
export function corsOriginProblems(value: string, credentials: boolean): ConfigProblem[] {
  const origins = commaList(value);
  const problems: ConfigProblem[] = [];
  const example = "https://app.example.com";
  if (origins.includes("*")) {
    if (credentials) {
      problems.push({
        name: "CORS_ORIGINS",
        message:
          "* cannot be combined with CORS_CREDENTIALS=true: list the exact origins, or set CORS_CREDENTIALS=false",
        example,
      });
    }
    if (origins.length > 1) problems.push({ name: "CORS_ORIGINS", message: "* must be the only entry", example });
  }
  const malformed = origins.filter((o) => o !== "*" && (!ORIGIN.test(o) || o.endsWith(".")));
  if (malformed.length > 0) {
    problems.push({
      name: "CORS_ORIGINS",
      message: `entries must be exact origins like scheme://host[:port] without path (got ${malformed.join(", ")})`,
      example,
    });
  }
  return problems;
}
