import { createPollLoop } from "../../platform/jobs/poll-loop.ts";
import { recheckVerifiedDomains } from "./domains.ts";
import type { SsoDeps } from "./service.ts";

export interface DomainRecheckWorker {
  start(): void;
  stop(): Promise<void>;
}

/**
 * Every SSO_DOMAIN_RECHECK_MS each instance re-checks the verified domains' TXT records
 * (recheckVerifiedDomains). Several instances each checking is harmless: the un-verification
 * is one conditional update, and a lookup is cheap. 0 turns it off.
 */
export function createDomainRecheckWorker(deps: SsoDeps): DomainRecheckWorker {
  const interval = deps.settings.recheckMs;
  const loop = createPollLoop(Math.max(interval, 1000), async () => {
    try {
      const report = await recheckVerifiedDomains(deps);
      if (report.lost.length > 0) deps.logger.info({ ...report }, "sso: domain recheck done");
    } catch (error) {
      deps.logger.warn({ err: error }, "sso: domain recheck failed; retried at the next interval");
    }
    return false;
  });
  return {
    start: () => {
      if (interval > 0) loop.start();
    },
    stop: () => loop.stop(),
  };
}
