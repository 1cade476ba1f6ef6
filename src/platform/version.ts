import packageJson from "../../package.json" with { type: "json" };

export const RAMPART_VERSION: string = packageJson.version;
