import { lazyModule } from "../../../platform/lazy-module.ts";

// @simplewebauthn/server (with its X.509/ASN.1 stack) costs ~160 ms and ~27 MiB when loaded,
// for ceremonies most processes never run between restarts: loaded on the first one instead.
export const webauthnLibrary = lazyModule(() => import("@simplewebauthn/server"));
