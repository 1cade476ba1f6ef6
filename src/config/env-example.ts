import type { SettingGroup } from "./setting.ts";
import { settings } from "./settings/index.ts";

/**
 * The text of `.env.example`, generated from the settings schema so the file can never
 * drift from what the server reads (a test compares them). Settings with a default show
 * it; optional ones are commented out with a valid example.
 */
export function renderEnvExample(registry: SettingGroup = settings): string {
  const blocks = Object.entries(registry).map(([name, spec]) => {
    const comment = `# ${spec.description}${spec.secret ? " (secret)" : ""}`;
    const line = spec.default !== undefined ? `${name}=${spec.default}` : `# ${name}=${spec.example}`;
    return `${comment}\n${line}`;
  });
  return `# Rampart configuration: every variable the server reads, with its default.\n# Copy to .env (optional) and change what you need; real environment variables win.\n# Regenerate with: npm run rampart -- config example > .env.example\n\n${blocks.join("\n\n")}\n`;
}
