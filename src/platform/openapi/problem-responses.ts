import { type TRef, Type } from "@sinclair/typebox";
import { PROBLEM_CONTENT_TYPE } from "../errors/problem.ts";
import { http } from "../node-http.ts";

/** One response entry whose body is an RFC 9457 problem, served as application/problem+json. */
export interface ProblemResponse {
  readonly description: string;
  readonly content: { readonly [PROBLEM_CONTENT_TYPE]: { readonly schema: TRef } };
}

export function problemResponse(status: number, description = http.STATUS_CODES[status] ?? "Problem"): ProblemResponse {
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new Error(`problem responses are 4xx or 5xx, not ${status}`);
  }
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: Type.Ref("Problem") } } };
}

/**
 * The response entries for the problem statuses a route answers itself, to spread into
 * `schema.response`: `{ 200: Type.Ref("Company"), ...problemResponses(403, 404) }`.
 * Statuses any route can answer (422, 429, 500, …) are added for every operation by
 * common-problems.ts; list here only what the handler decides.
 */
export function problemResponses<const S extends number>(...statuses: S[]): Record<S, ProblemResponse> {
  const responses = {} as Record<S, ProblemResponse>;
  for (const status of statuses) responses[status] = problemResponse(status);
  return responses;
}
