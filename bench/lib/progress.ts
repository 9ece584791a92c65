// A heartbeat line while something long runs with nothing to print (a bench suite in its child process):
// what is running and for how long, so a quiet terminal is not mistaken for a hang.
export function heartbeat(
  label: string,
  log: (line: string) => void,
  everyMs = 5000,
  now: () => number = () => performance.now(),
): () => void {
  const started = now();
  const timer = setInterval(() => log(progressText(label, now() - started)), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

export function progressText(label: string, elapsedMs: number): string {
  return `  ... ${label}: ${Math.round(elapsedMs / 1000)} s elapsed`;
}
