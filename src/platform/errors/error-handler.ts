import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { REQUEST_ID_HEADER } from "../http/request-id.ts";
import {
  AppError,
  BadRequestError,
  type FieldError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "./app-error.ts";
import { PROBLEM_CONTENT_TYPE, toProblem } from "./problem.ts";

const INTERNAL_DETAIL = "An unexpected error occurred. Quote the request id when reporting it.";

/**
 * Fastify's own request errors (bad JSON, wrong media type, oversized body) carry
 * framework wording; we translate them to our codes and our words so a response never
 * names the framework or echoes its internals.
 */
function fromFastifyError(error: FastifyError): AppError | undefined {
  if (error.validation) {
    return new ValidationError(fieldErrorsOf(error), undefined, undefined, error.validation.length);
  }
  switch (error.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new BadRequestError("request.malformed_json", "The request body is not valid JSON.");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new BadRequestError("request.empty_json_body", "The request declares a JSON body but sends none.");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new UnsupportedMediaTypeError("This endpoint accepts application/json request bodies.");
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new PayloadTooLargeError("The request body exceeds the size limit of this endpoint.");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new BadRequestError("request.invalid_content_length", "Content-Length does not match the body received.");
  }
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return new BadRequestError("request.malformed_json", "The request body is not valid JSON.");
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return new AppError(status, "request.invalid", "Bad Request", { detail: "The request could not be processed." });
  }
  return undefined;
}

/**
 * The most field errors one answer lists: a body with 60,000 unknown properties got a 4.3 MB
 * answer. The problem says how many there were in all (`errorCount`).
 */
export const MAX_FIELD_ERRORS = 20;

/** The longest excerpt of the request target a problem repeats (`instance`, `detail`). */
export const MAX_TARGET_EXCERPT = 200;

/** The path of the request target, cut to MAX_TARGET_EXCERPT characters: an answer never echoes a huge URL. */
export function targetExcerpt(url: string): string {
  const path = url.split("?")[0] ?? "/";
  return path.length <= MAX_TARGET_EXCERPT ? path : `${path.slice(0, MAX_TARGET_EXCERPT)}…`;
}

function fieldErrorsOf(error: FastifyError): FieldError[] {
  const context = error.validationContext ?? "body";
  return (error.validation ?? []).slice(0, MAX_FIELD_ERRORS).map((issue) => {
    const params = issue.params as Record<string, unknown>;
    let path = `/${context}${issue.instancePath}`;
    if (typeof params.missingProperty === "string") path += `/${params.missingProperty}`;
    if (typeof params.additionalProperty === "string") path += `/${params.additionalProperty}`;
    return { path, message: issue.message ?? "is invalid" };
  });
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  return reply
    .code(error.status)
    .headers(error.headers)
    .type(PROBLEM_CONTENT_TYPE)
    .send(toProblem(error, request.id, targetExcerpt(request.originalUrl)));
}

/** Turns an error of a lower layer (e.g. a database driver's) into a typed problem, or passes. */
export type ErrorTranslator = (error: unknown) => AppError | undefined;

/** The one place where errors become HTTP responses. */
export function installErrorHandling(app: FastifyInstance, translators: readonly ErrorTranslator[] = []): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // A body sent to a route that does not exist is a 404, whatever state the body is in.
    if (request.routeOptions.url === undefined) return sendNotFound(request, reply);
    const known =
      error instanceof AppError ? error : (translators.map((t) => t(error)).find(Boolean) ?? fromFastifyError(error));
    if (known) {
      if (known.status >= 500 && !known.deliberate)
        request.log.error({ err: error, code: known.code }, "request failed: dependency");
      return sendProblem(request, reply, known);
    }
    request.log.error({ err: error }, "unhandled error");
    return sendProblem(
      request,
      reply,
      new AppError(500, "internal", "Internal Server Error", { detail: INTERNAL_DETAIL }),
    );
  });
  app.setNotFoundHandler(sendNotFound);
}

function sendNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(
    request,
    reply,
    new NotFoundError("route.not_found", `No route matches ${request.method} ${targetExcerpt(request.originalUrl)}.`),
  );
}

/**
 * Fastify's router errors (its `frameworkErrors` option), answered before any route or hook:
 * a malformed percent-encoding in the path, a path parameter over maxParamLength. Problems
 * like every other 4xx, never Fastify's own body echoing the whole URL.
 */
export function sendFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.header(REQUEST_ID_HEADER, request.id);
  switch (error.code) {
    case "FST_ERR_BAD_URL":
      return sendProblem(
        request,
        reply,
        new BadRequestError("request.malformed_url", "The request path has an invalid percent-encoding."),
      );
    case "FST_ERR_MAX_PARAM_LENGTH":
      return sendProblem(
        request,
        reply,
        new AppError(414, "request.uri_too_long", "URI Too Long", {
          detail: "A path segment of the request is too long.",
        }),
      );
    default:
      request.log.error({ err: error }, "router error");
      return sendProblem(
        request,
        reply,
        new AppError(500, "internal", "Internal Server Error", { detail: INTERNAL_DETAIL }),
      );
  }
}
