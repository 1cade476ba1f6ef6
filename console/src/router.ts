import { useEffect, useState } from "preact/hooks";

/**
 * The console's routes are paths under /console (the server answers index.html for each):
 * a history-API router of a few lines, since the app has a dozen flat routes and no nested
 * layouts, loaders or transitions a router library would bring.
 */
export const BASE = "/console";

export interface Location {
  /** The path inside the console, e.g. "/members". */
  readonly path: string;
  readonly query: URLSearchParams;
}

function current(): Location {
  const path = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : "/";
  return { path: path === "" ? "/" : path, query: new URLSearchParams(window.location.search) };
}

const listeners = new Set<() => void>();
window.addEventListener("popstate", () => {
  for (const listener of listeners) listener();
});

export function navigate(to: string, options: { readonly replace?: boolean } = {}): void {
  const url = `${BASE}${to}`;
  if (options.replace) window.history.replaceState(null, "", url);
  else window.history.pushState(null, "", url);
  for (const listener of listeners) listener();
  // Focus moves to the new page's heading, so screen readers and keyboards follow the change.
  queueMicrotask(() => document.querySelector<HTMLElement>("main h1")?.focus());
}

export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return location;
}

/** An in-app link: a real <a href> (middle-click, copy link work), handled without a reload. */
export function linkHandler(to: string) {
  return {
    href: `${BASE}${to}`,
    onClick: (event: MouseEvent) => {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      navigate(to);
    },
  };
}
