/**
 * A module loaded on first use, once per process. For libraries only some requests need
 * (WebAuthn, SAML): loading them at start costs every process their start time and memory
 * (issue #21's start-to-ready and idle RSS targets) for ceremonies most processes never run.
 * A failed load is not cached, so the next call tries again.
 */
export function lazyModule<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}
