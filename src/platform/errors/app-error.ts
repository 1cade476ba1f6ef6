/** A field-level validation message: `path` is a JSON pointer into the request part (e.g. `/body/email`). */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export interface AppErrorOptions {
  readonly detail?: string;
  readonly cause?: unknown;
  /** Extra response headers, e.g. Retry-After or WWW-Authenticate. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly errors?: readonly FieldError[];
  /** Extra public members added to the problem document. */
  readonly extensions?: Readonly<Record<string, unknown>>;
  /**
   * A 5xx the operators chose (the kill switch), not a failure: the request line records it,
   * and no error line per refused request floods the logs or pages anyone during maintenance.
   */
  readonly deliberate?: boolean;
}

/**
 * The base of every error that is part of Rampart's contract. `code` is stable and
 * machine-readable (e.g. `member.last_owner`); the single error handler turns it into an
 * RFC 9457 problem. Anything that is not an AppError is a bug and becomes a generic 500.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly errors: readonly FieldError[] | undefined;
  readonly extensions: Readonly<Record<string, unknown>>;
  readonly deliberate: boolean;

  constructor(status: number, code: string, title: string, options: AppErrorOptions = {}) {
    super(options.detail ?? title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
    this.errors = options.errors;
    this.extensions = options.extensions ?? {};
    this.deliberate = options.deliberate ?? false;
  }
}

export class BadRequestError extends AppError {
  constructor(code: string, detail: string, options: AppErrorOptions = {}) {
    super(400, code, "Bad Request", { ...options, detail });
  }
}

export class UnauthorizedError extends AppError {
  constructor(code: string, detail: string, options: AppErrorOptions = {}) {
    super(401, code, "Unauthorized", {
      ...options,
      detail,
      headers: { "www-authenticate": 'Bearer realm="rampart"', ...options.headers },
    });
  }
}

export class ForbiddenError extends AppError {
  constructor(code: string, detail: string, options: AppErrorOptions = {}) {
    super(403, code, "Forbidden", { ...options, detail });
  }
}

export class NotFoundError extends AppError {
  constructor(code: string, detail: string, options: AppErrorOptions = {}) {
    super(404, code, "Not Found", { ...options, detail });
  }
}

export class ConflictError extends AppError {
  constructor(code: string, detail: string, options: AppErrorOptions = {}) {
    super(409, code, "Conflict", { ...options, detail });
  }
}

/** The resource existed but is gone for good (e.g. an expired invitation). */
export class GoneError extends AppError {
  constructor(code: string, detail: string, options: AppErrorOptions = {}) {
    super(410, code, "Gone", { ...options, detail });
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(detail: string) {
    super(413, "request.body_too_large", "Payload Too Large", { detail });
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(detail: string) {
    super(415, "request.unsupported_media_type", "Unsupported Media Type", { detail });
  }
}

/**
 * The request is well-formed but its content breaks a rule; `errors` lists each field, or
 * the first ones when `errorCount` (how many there were in all) is larger.
 */
export class ValidationError extends AppError {
  constructor(
    errors: readonly FieldError[],
    detail = "The request has invalid fields.",
    code = "request.validation_failed",
    errorCount = errors.length,
  ) {
    super(422, code, "Unprocessable Content", {
      detail: errorCount > errors.length ? `${detail} The first ${errors.length} of ${errorCount} are listed.` : detail,
      errors,
      extensions: errorCount > errors.length ? { errorCount } : {},
    });
  }
}

export class RateLimitedError extends AppError {
  constructor(
    retryAfterSeconds: number,
    detail = "Too many requests; retry later.",
    headers: Record<string, string> = {},
  ) {
    super(429, "rate_limit.exceeded", "Too Many Requests", {
      detail,
      headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterSeconds))), ...headers },
    });
  }
}

/** A dependency is down or saturated; the client may retry after `retryAfterSeconds`. */
export class UnavailableError extends AppError {
  constructor(code: string, detail: string, retryAfterSeconds = 5, options: AppErrorOptions = {}) {
    super(503, code, "Service Unavailable", {
      ...options,
      detail,
      headers: { "retry-after": String(retryAfterSeconds), ...options.headers },
    });
  }
}
