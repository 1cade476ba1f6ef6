import { type Static, Type } from "@sinclair/typebox";
import type { AppError } from "./app-error.ts";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export const FieldErrorSchema = Type.Object(
  {
    path: Type.String({ description: "JSON pointer to the offending field, e.g. /body/email" }),
    message: Type.String(),
  },
  { $id: "FieldError", additionalProperties: false },
);

/** RFC 9457 problem details, with Rampart's stable `code` and the request id for support. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: "URI identifying the problem type" }),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String({ description: "The request path that produced the problem" })),
    code: Type.String({ description: "Stable machine-readable error code, e.g. member.last_owner" }),
    requestId: Type.String(),
    errors: Type.Optional(Type.Array(Type.Ref("FieldError"), { description: "At most the first 20 invalid fields" })),
    errorCount: Type.Optional(
      Type.Integer({ minimum: 0, description: "How many invalid fields there were, when more than `errors` lists" }),
    ),
  },
  { $id: "Problem", additionalProperties: true },
);

export type Problem = Static<typeof ProblemSchema> & Record<string, unknown>;

export function problemType(code: string): string {
  return `urn:rampart:problem:${code}`;
}

/** `instance` is omitted when the request was refused before its target could be read. */
export function toProblem(error: AppError, requestId: string, instance?: string): Problem {
  const problem: Problem = {
    ...error.extensions,
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    code: error.code,
    requestId,
  };
  if (instance !== undefined) problem.instance = instance;
  if (error.detail !== undefined) problem.detail = error.detail;
  if (error.errors !== undefined) problem.errors = [...error.errors];
  return problem;
}
