/**
 * Which code this process runs: the TypeScript sources, or the production bundle built from
 * them (scripts/build-server.ts sets this value to "bundle" as it bundles this file). Said in
 * the "rampart listening" line, so an operator and the tests can see which one started.
 */
export const BUILD_KIND: "bundle" | "sources" = "sources";
