/**
 * Waits, if need be, until at least `marginMs` remain in the current fixed window of `windowMs` (windows aligned
 * to the clock, as limits count them), so that a test's requests all land in one window however slow the machine.
 */
export async function awayFromWindowEdge (windowMs = 60_000, marginMs = 5_000): Promise<void> {
  const left = windowMs - (Date.now() % windowMs)
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 10))
}
