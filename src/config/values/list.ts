/** Splits a comma-separated setting into trimmed, non-empty entries. */
export function commaList(value: string): string[] {
  return value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}
