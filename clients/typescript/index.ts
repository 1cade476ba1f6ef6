/** Rampart's typed client: generated operations and models, plus the hand-written transport. */

export {
  configureRampartClient,
  type RampartClientDefaults,
  type RampartRequestInit,
  type RampartResponse,
} from "./fetcher.ts";
export * from "./generated/rampart.ts";
