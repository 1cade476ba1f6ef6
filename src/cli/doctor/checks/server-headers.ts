import { health, unknownRoute } from "../probes.ts";
import type { Check } from "../types.ts";
import { fail, pass } from "../types.ts";

/** Server and X-Powered-By tell an attacker which CVE list to read; versions most of all. */
export const serverHeadersCheck: Check = {
  id: "server-headers",
  title: "No Server version or X-Powered-By",
  async run(ctx) {
    const responses = [await health(ctx), await unknownRoute(ctx)];
    const problems = new Set<string>();
    const servers = new Set<string>();
    for (const response of responses) {
      const poweredBy = response.headers["x-powered-by"];
      if (poweredBy !== undefined) problems.add(`X-Powered-By: ${poweredBy}`);
      const server = response.headers.server;
      if (server !== undefined) {
        servers.add(server);
        if (/\d/.test(server)) problems.add(`Server: ${server}`);
      }
    }
    if (problems.size > 0)
      return fail(
        `sent ${[...problems].join(", ")}`,
        "Drop X-Powered-By and the version from Server (nginx: server_tokens off; Express: app.disable('x-powered-by')); Rampart sends neither.",
      );
    return pass(
      servers.size > 0
        ? `Server: ${[...servers].join(", ")} without a version, no X-Powered-By`
        : "no Server and no X-Powered-By header",
    );
  },
};
