/**
 * `rampart keys rotate | head -2`: once the reader has gone, every further write to stdout
 * fails with EPIPE, which Node raises as an unhandled 'error' event — a stack trace, exit 1,
 * after the command may already have done its work. The output nobody reads is dropped
 * instead, and the command finishes what it started (a rotation half done is worse than
 * lines unread); any other stdout error still surfaces.
 */
export function ignoreClosedStdout(stdout: NodeJS.WriteStream): void {
  stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") return;
    throw error;
  });
}
