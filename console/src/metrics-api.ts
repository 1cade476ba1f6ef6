import { type RampartRequestInit, type RampartResponse, rampartFetch } from "../../clients/typescript/fetcher.ts";
import type { Problem } from "../../clients/typescript/index.ts";

/**
 * GET /api/v1/admin/metrics/recent (operationId adminRecentMetrics), through the generated
 * client's own transport and in the shape orval generates. The committed client predates the
 * endpoint; once `npm run generate:client` has run, this file is replaced by the generated
 * `adminRecentMetrics` import.
 */
export interface MetricsPoint {
  readonly at: string;
  readonly requestsPerSecond: number;
  readonly errorRate: number;
  readonly p95Ms: number | null;
  readonly rateLimited: Readonly<Record<string, number>>;
}

export interface RecentMetrics {
  readonly enabled: boolean;
  readonly intervalSeconds: number;
  readonly points: readonly MetricsPoint[];
}

export type adminRecentMetricsResponse =
  | (RampartResponse<RecentMetrics> & { readonly status: 200 })
  | (RampartResponse<Problem> & { readonly status: 401 | 403 | 429 | 503 });

export function adminRecentMetrics(options?: RampartRequestInit): Promise<adminRecentMetricsResponse> {
  return rampartFetch<adminRecentMetricsResponse>("/api/v1/admin/metrics/recent", { ...options, method: "GET" });
}
