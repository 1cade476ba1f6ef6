import { render } from "preact";
import { configureRampartClient } from "../../clients/typescript/index.ts";
import { App } from "./app.tsx";
import { refresh } from "./session.ts";

// The API is this origin: the console is served by the Rampart it manages.
configureRampartClient({ baseUrl: window.location.origin });
const root = document.getElementById("app");
if (root) render(<App />, root);
// A reload keeps the session: the refresh cookie yields a new access token (or nothing).
void refresh();
