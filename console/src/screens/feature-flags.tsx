import { useState } from "preact/hooks";
import { type FeatureFlag, listFeatureFlags, setFeatureFlag } from "../../../clients/typescript/index.ts";
import { authed } from "../session.ts";
import { Confirm, Empty, ErrorBox, Loading, Page, useAction, useLoad, when } from "../ui.tsx";

/** Feature flags: each with its description, state and default; turned on or off after a confirmation. */
export function FeatureFlags() {
  const [flags, reload] = useLoad(
    () => authed((init) => listFeatureFlags(init)),
    (data) => (data as { items: FeatureFlag[] }).items,
    "flags",
  );
  const action = useAction();
  const [flipping, setFlipping] = useState<FeatureFlag | undefined>();
  const flip = async (flag: FeatureFlag) => {
    setFlipping(undefined);
    if (await action.run(() => authed((init) => setFeatureFlag(flag.name, { enabled: !flag.enabled }, init)))) reload();
  };
  return (
    <Page title="Feature flags">
      {action.failure && <ErrorBox failure={action.failure} />}
      {flags.kind === "loading" && <Loading what="feature flags" />}
      {flags.kind === "error" && <ErrorBox failure={flags.failure} onRetry={reload} />}
      {flags.kind === "ready" && flags.value.length === 0 && <Empty>This server has no feature flags.</Empty>}
      {flags.kind === "ready" && flags.value.length > 0 && (
        <ul class="cards">
          {flags.value.map((f) => (
            <li key={f.name}>
              <strong>{f.name}</strong> <span class="badge">{f.enabled ? "on" : "off"}</span>
              <p>{f.description}</p>
              <small class="muted">
                Default {f.default ? "on" : "off"} · changed {when(f.updatedAt)}
              </small>
              <div class="actions">
                <button type="button" class={f.enabled ? "danger" : "primary"} onClick={() => setFlipping(f)}>
                  {f.enabled ? `Turn ${f.name} off` : `Turn ${f.name} on`}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {flipping && (
        <Confirm
          title={`Turn ${flipping.name} ${flipping.enabled ? "off" : "on"}?`}
          confirmLabel={flipping.enabled ? "Turn off" : "Turn on"}
          danger={flipping.enabled}
          onConfirm={() => void flip(flipping)}
          onCancel={() => setFlipping(undefined)}
        >
          <p>
            {flipping.enabled
              ? `Every instance answers 403 feature.disabled to ${flipping.name}'s requests within 2 seconds.`
              : `Every instance serves ${flipping.name} again within 2 seconds.`}{" "}
            {flipping.description}
          </p>
        </Confirm>
      )}
    </Page>
  );
}
