// Keeps a bench inside a request quota the way a well-behaved client stays inside KMS's: each call waits
// for its slot, slots `1000 / ratePerSecond` ms apart, so no one-second window holds more than
// `ratePerSecond` calls. Waiting counts in the measured time: a paced row's ops/s is what the quota allows.

export type Pace = () => Promise<void>;

export function createQuotaPacer(ratePerSecond: number, now: () => number = () => performance.now()): Pace {
  const interval = 1000 / ratePerSecond;
  let nextSlot = Number.NEGATIVE_INFINITY;
  return async () => {
    const at = Math.max(now(), nextSlot);
    nextSlot = at + interval;
    // Timers round to whole milliseconds and may fire a little early: wait until the slot has come.
    while (now() < at)
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.ceil(at - now()))));
  };
}
