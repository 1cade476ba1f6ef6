import { Type } from "@sinclair/typebox";
import type { ConfigRule, SettingGroup } from "../setting.ts";
import { corsOriginProblems } from "../values/cors-origins.ts";
import { commaList } from "../values/list.ts";
import { trustProxyProblems } from "../values/trust-proxy.ts";

const LIST = { description: "a comma-separated list" };

/** The HTTP edge: CORS, hosts and proxies, body limits, connection timeouts, compression. */
export const edgeSettings = {
  CORS_ORIGINS: {
    schema: Type.String(LIST),
    defaultFrom: (resolved) => (resolved.APP_ENV === "development" ? "http://localhost:3000" : ""),
    description:
      "Browser origins allowed to call the API (comma list of exact origins, e.g. https://app.example.com). Default: http://localhost:3000 in development, none otherwise.",
    example: "https://app.example.com,https://admin.example.com",
  },
  CORS_CREDENTIALS: {
    schema: Type.Boolean(),
    default: "true",
    description:
      "Whether listed origins may send cookies/Authorization (Access-Control-Allow-Credentials). Never with *.",
    example: "true",
  },
  CORS_MAX_AGE_S: {
    schema: Type.Integer({ minimum: 0, maximum: 86400 }),
    default: "600",
    description: "How long browsers may cache a preflight answer (Access-Control-Max-Age), in seconds.",
    example: "600",
  },
  TRUSTED_HOSTS: {
    schema: Type.String(LIST),
    default: "",
    description:
      "When set, requests whose Host is not in this comma list get 400 (defends against Host header injection). Empty: any host.",
    example: "api.example.com,api.internal",
  },
  HEALTH_ANY_HOST: {
    schema: Type.Boolean(),
    default: "false",
    description: "Let /health* answer whatever the Host header says, so probes may address the instance by IP.",
    example: "true",
  },
  TRUST_PROXY: {
    schema: Type.String({ minLength: 1, description: "false, a hop count, or a comma list of proxy IPs/CIDRs" }),
    default: "false",
    description:
      "Which peers may set X-Forwarded-For (the client IP used by rate limits and logs): false, a hop count, or proxy IPs/CIDRs. true (trust anyone) is refused in production.",
    example: "10.0.0.0/8,192.168.1.10",
  },
  BODY_LIMIT: {
    schema: Type.Integer({ minimum: 1 }),
    default: String(10 * 1024 * 1024),
    description: "Largest request body in bytes, counted as received (chunked included); larger bodies get 413.",
    example: "10485760",
  },
  AUTH_BODY_LIMIT: {
    schema: Type.Integer({ minimum: 1 }),
    default: String(16 * 1024),
    description: "Largest request body in bytes on authentication routes (login, register, refresh, password).",
    example: "16384",
  },
  REQUEST_TIMEOUT_MS: {
    schema: Type.Integer({ minimum: 1 }),
    default: "30000",
    description: "How long a client may take to send a whole request (headers and body) before the connection is cut.",
    example: "30000",
  },
  HEADERS_TIMEOUT_MS: {
    schema: Type.Integer({ minimum: 1 }),
    default: "10000",
    description:
      "How long a client may take to send the request headers (slowloris defence); at most REQUEST_TIMEOUT_MS.",
    example: "10000",
  },
  KEEP_ALIVE_TIMEOUT_MS: {
    schema: Type.Integer({ minimum: 1 }),
    default: "72000",
    description:
      "How long an idle keep-alive connection stays open; longer than the load balancer's idle timeout (60 s on most) so the LB never reuses a connection we are closing.",
    example: "72000",
  },
  COMPRESSION_THRESHOLD_BYTES: {
    schema: Type.Integer({ minimum: 0 }),
    default: "1024",
    description: "Responses at least this large are compressed (br or gzip) when the client accepts it.",
    example: "1024",
  },
} satisfies SettingGroup;

export const edgeRules: ConfigRule[] = [
  (c) => corsOriginProblems(String(c.CORS_ORIGINS ?? ""), c.CORS_CREDENTIALS === true),
  // Production lists its front ends: * would let any web page read the API with a user's bearer token it obtained.
  (c) =>
    c.APP_ENV === "production" && commaList(String(c.CORS_ORIGINS ?? "")).includes("*")
      ? [
          {
            name: "CORS_ORIGINS",
            message: "* (any origin) is refused in production: list the exact origins of your front ends",
            example: "https://app.example.com",
          },
        ]
      : [],
  (c) => trustProxyProblems(String(c.TRUST_PROXY), c.APP_ENV === "production"),
  (c) =>
    Number(c.HEADERS_TIMEOUT_MS) > Number(c.REQUEST_TIMEOUT_MS)
      ? [
          {
            name: "HEADERS_TIMEOUT_MS",
            message: `must not exceed REQUEST_TIMEOUT_MS (${c.REQUEST_TIMEOUT_MS})`,
            example: "10000",
          },
        ]
      : [],
];
