import { runServer } from "./platform/lifecycle/run-server.ts";

await runServer(process.env);
