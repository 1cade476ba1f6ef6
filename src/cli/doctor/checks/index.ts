import type { Check } from "../types.ts";
import { algNoneCheck } from "./alg-none.ts";
import { bodyLimitCheck } from "./body-limit.ts";
import { corsAllowedOriginCheck } from "./cors-allowed-origin.ts";
import { corsForeignOriginCheck } from "./cors-foreign-origin.ts";
import { docsExposureCheck } from "./docs-exposure.ts";
import { errorLeaksCheck } from "./error-leaks.ts";
import { hstsCheck } from "./hsts.ts";
import { jwksCheck } from "./jwks.ts";
import { killSwitchCheck } from "./kill-switch.ts";
import { metricsExposureCheck } from "./metrics-exposure.ts";
import { rateLimitBurstCheck } from "./rate-limit-burst.ts";
import { rateLimitHeadersCheck } from "./rate-limit-headers.ts";
import { readinessCheck } from "./readiness.ts";
import { securityHeadersCheck } from "./security-headers.ts";
import { serverHeadersCheck } from "./server-headers.ts";
import { trustedHostsCheck } from "./trusted-hosts.ts";
import { wwwAuthenticateCheck } from "./www-authenticate.ts";

/** Every check, in report order: edge, leaks, auth surface, limits, state. */
export const doctorChecks: readonly Check[] = [
  securityHeadersCheck,
  corsForeignOriginCheck,
  corsAllowedOriginCheck,
  trustedHostsCheck,
  hstsCheck,
  errorLeaksCheck,
  serverHeadersCheck,
  docsExposureCheck,
  metricsExposureCheck,
  jwksCheck,
  wwwAuthenticateCheck,
  algNoneCheck,
  rateLimitHeadersCheck,
  rateLimitBurstCheck,
  bodyLimitCheck,
  readinessCheck,
  killSwitchCheck,
];
