import { Gauge, type Registry } from "prom-client";
import { FLAG_NAMES } from "./feature-flags.ts";
import type { Switchboard } from "./switchboard.ts";

/**
 * What this instance enforces, read at scrape time: an alert on the kill switch being on
 * (or on instances disagreeing) needs no log search.
 */
export function registerSwitchMetrics(registry: Registry, switchboard: Switchboard): void {
  new Gauge({
    name: "rampart_kill_switch_enabled",
    help: "1 while this instance answers API requests with 503 (kill switch on), else 0",
    registers: [registry],
    collect() {
      this.set(switchboard.current().killSwitch.enabled ? 1 : 0);
    },
  });
  new Gauge({
    name: "rampart_feature_flag_enabled",
    help: "1 when the feature flag is on on this instance, else 0",
    labelNames: ["flag"],
    registers: [registry],
    collect() {
      for (const flag of FLAG_NAMES) this.set({ flag }, switchboard.isEnabled(flag) ? 1 : 0);
    },
  });
}
