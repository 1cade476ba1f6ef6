import { enableCompileCache } from "node:module";

// Node's compile cache keeps each module's compiled code — and, for our TypeScript sources,
// the result of stripping their types — on disk (os.tmpdir()/node-compile-cache unless
// NODE_COMPILE_CACHE names a directory), keyed by the source's content. A restart then
// neither re-strips nor re-parses ~200 modules: start to ready and idle memory both drop
// (docs/benchmarks.md). Enabled before the application is imported, hence the dynamic import.
enableCompileCache();
const { runServer } = await import("./server.ts");

await runServer(process.env);
