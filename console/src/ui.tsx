import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Problem } from "../../clients/typescript/index.ts";

/** What a failed answer says: a Problem from the API, or a network failure. */
export type Failure = Pick<Problem, "title" | "detail" | "code" | "errors"> & { readonly requestId?: string };

export function failureOf(answer: { readonly status: number; readonly data?: unknown }): Failure | undefined {
  if (answer.status < 400) return undefined;
  const body = answer.data as Partial<Problem> | undefined;
  return {
    title: body?.title ?? `HTTP ${answer.status}`,
    detail: body?.detail,
    code: body?.code ?? `http.${answer.status}`,
    errors: body?.errors,
    requestId: body?.requestId,
  };
}

/** What a call that never reached the server shows. */
export const networkFailure: Failure = {
  title: "Network error",
  detail: "The server could not be reached.",
  code: "network",
};

export type Loaded<T> =
  | { readonly kind: "loading" }
  | { readonly kind: "error"; readonly failure: Failure }
  | { readonly kind: "ready"; readonly value: T };

/** Loads on mount and whenever `key` changes; `reload` runs it again. */
export function useLoad<T>(
  load: () => Promise<{ readonly status: number; readonly data?: unknown }>,
  pick: (data: unknown) => T,
  key: string,
): [Loaded<T>, () => void] {
  // Kept with the key it was loaded for: in the render where the key changes (before the effect
  // reloads) the old key's value is not handed out as the new one's — a redirect deciding on
  // it would follow a list that no longer holds (a company just deleted).
  const [state, setState] = useState<{ readonly key: string; readonly loaded: Loaded<T> }>({
    key,
    loaded: { kind: "loading" },
  });
  const [generation, setGeneration] = useState(0);
  // load and pick are new closures each render; `key` names everything they read.
  useEffect(() => {
    let live = true;
    setState({ key, loaded: { kind: "loading" } });
    load().then(
      (answer) => {
        if (!live) return;
        const failure = failureOf(answer);
        setState({ key, loaded: failure ? { kind: "error", failure } : { kind: "ready", value: pick(answer.data) } });
      },
      () => live && setState({ key, loaded: { kind: "error", failure: networkFailure } }),
    );
    return () => {
      live = false;
    };
  }, [key, generation]);
  return [state.key === key ? state.loaded : { kind: "loading" }, useCallback(() => setGeneration((g) => g + 1), [])];
}

/** Runs an action; its failure (if any) is kept for the form to show. */
export function useAction(): {
  readonly busy: boolean;
  readonly failure: Failure | undefined;
  run(action: () => Promise<{ readonly status: number; readonly data?: unknown }>): Promise<boolean>;
  clear(): void;
} {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | undefined>();
  const run = async (action: () => Promise<{ readonly status: number; readonly data?: unknown }>) => {
    setBusy(true);
    setFailure(undefined);
    try {
      const answer = await action();
      const problem = failureOf(answer);
      setFailure(problem);
      return problem === undefined;
    } catch {
      setFailure(networkFailure);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, failure, run, clear: () => setFailure(undefined) };
}

export function Loading({ what }: { readonly what: string }) {
  return <output class="muted block">Loading {what}…</output>;
}

export function Empty({ children }: { readonly children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** A refusal, explained: the API's detail (why), its code and request id (for support). */
export function ErrorBox({ failure, onRetry }: { readonly failure: Failure; readonly onRetry?: () => void }) {
  const general = failure.errors === undefined || failure.errors.length === 0;
  return (
    <div class="error" role="alert">
      <strong>{failure.title}</strong>
      {failure.detail && <span> — {failure.detail}</span>}
      {!general && <span> Check the fields marked below.</span>}
      <small>
        {failure.code}
        {failure.requestId ? ` · request ${failure.requestId}` : ""}
      </small>
      {onRetry && (
        <button type="button" class="link" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** The message the API gave for one field (its JSON pointer ends with the field's name). */
export function fieldError(failure: Failure | undefined, field: string): string | undefined {
  return failure?.errors?.find((e) => e.path === `/body/${field}` || e.path.endsWith(`/${field}`))?.message;
}

let fieldIds = 0;

export function Field(props: {
  readonly label: string;
  readonly name: string;
  readonly failure: Failure | undefined;
  readonly type?: "text" | "email" | "password" | "number" | "datetime-local";
  readonly value: string;
  readonly onInput: (value: string) => void;
  readonly required?: boolean;
  readonly autoComplete?: string;
  readonly hint?: string;
  readonly min?: number;
}) {
  const id = useRef(`f${++fieldIds}`).current;
  const error = fieldError(props.failure, props.name);
  const described = [props.hint ? `${id}-hint` : "", error ? `${id}-error` : ""].join(" ").trim();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        // Preact types each input type's attributes apart; these share every attribute used here.
        type={(props.type ?? "text") as "text"}
        value={props.value}
        required={props.required}
        autoComplete={props.autoComplete}
        min={props.min}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={described === "" ? undefined : described}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
      />
      {props.hint && (
        <small id={`${id}-hint`} class="muted">
          {props.hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} class="field-error">
          {error}
        </small>
      )}
    </div>
  );
}

/**
 * A native <dialog> opened modally: focus is trapped inside and Escape cancels, with no
 * script of ours. The title names the action, the body its consequence.
 */
export function Confirm(props: {
  readonly title: string;
  readonly children: ComponentChildren;
  readonly confirmLabel: string;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
  readonly danger?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onCancel={props.onCancel} onClose={props.onCancel}>
      <h2 id="confirm-title">{props.title}</h2>
      <div>{props.children}</div>
      <div class="actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class={props.danger === false ? "primary" : "danger"} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

export function Page({ title, children }: { readonly title: string; readonly children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Rampart Console`;
  }, [title]);
  return (
    <>
      <h1 tabIndex={-1}>{title}</h1>
      {children}
    </>
  );
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/**
 * A secret the API returns once (an API key, recovery codes): the warning, the value, a Copy
 * button (Clipboard API) and Done, after which it is gone from the page.
 */
export function ShownOnce(props: {
  readonly warning: string;
  readonly value: string;
  readonly testId: string;
  readonly onDone: () => void;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <output class="secret block">
      <p>
        <strong>{props.warning}</strong>
      </p>
      <code data-testid={props.testId}>{props.value}</code>
      <button
        type="button"
        onClick={() =>
          void navigator.clipboard.writeText(props.value).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? "Copied" : "Copy"}
      </button>
      <button type="button" class="link" onClick={props.onDone}>
        Done
      </button>
    </output>
  );
}
