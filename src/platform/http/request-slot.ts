/**
 * A value kept on one request (or reply) for the rest of its handling, stored as a
 * symbol-keyed property of that object.
 *
 * Not a WeakMap keyed by the request: every entry of a WeakMap is an ephemeron the garbage
 * collector traces apart from ordinary references, and an entry per request — thousands a
 * second — made each young-generation collection several times as long and pushed its
 * values into the old generation, which then needed full collections. Replacing the access
 * hook's WeakMap cut the collector's pauses by two thirds and the server's CPU per request
 * by a quarter, at 6,000 req/s with the limiter, logging and metrics off (docs/benchmarks.md,
 * tenth session). test/isolation/request-slots.test.ts keeps WeakMaps keyed by requests or
 * replies out of src/.
 */
export interface RequestSlot<Owner extends object, Value> {
  get(owner: Owner): Value | undefined;
  set(owner: Owner, value: Value): void;
}

/** A slot of its own: two slots made with the same description never share values. */
export function requestSlot<Owner extends object, Value>(description: string): RequestSlot<Owner, Value> {
  const key = Symbol(description);
  return {
    get: (owner) => (owner as { [key]?: Value })[key],
    set: (owner, value) => {
      (owner as { [key]?: Value })[key] = value;
    },
  };
}
