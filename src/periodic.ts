/**
 * A background task of the server, run every `intervalMs`, one run at a time (a run still going when
 * the next tick comes is not doubled). `stop()` clears the timer and waits for a run in flight, so a
 * shutdown does not cut a mail or a notice in half. The timer does not keep the process alive.
 */
export function repeat(task: () => Promise<unknown>, intervalMs: number, onError: (err: unknown) => void = () => undefined): { stop: () => Promise<void> } {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    running ??= task()
      .catch(onError)
      .finally(() => (running = undefined));
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
