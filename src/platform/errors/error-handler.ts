import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
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
    return new ValidationError(fieldErrorsOf(error));
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

function fieldErrorsOf(error: FastifyError): FieldError[] {
  const context = error.validationContext ?? "body";
  return (error.validation ?? []).map((issue) => {
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
    .send(toProblem(error, request.id, request.url.split("?")[0] ?? "/"));
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
  const path = request.url.split("?")[0];
  return sendProblem(
    request,
    reply,
    new NotFoundError("route.not_found", `No route matches ${request.method} ${path}.`),
  );
}
