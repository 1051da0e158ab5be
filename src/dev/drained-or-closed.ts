import type { ServerResponse } from 'node:http'

/**
 * Waits until a response that refused a write can take more (`drain`) or is gone (`close`), and leaves no
 * listener behind either way: racing two `events.once` promises would leave the loser's listeners on the
 * response, one pair per wait, for as long as it lives.
 */
export async function drainedOrClosed (response: ServerResponse): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = (): void => {
      response.off('drain', done)
      response.off('close', done)
      resolve()
    }
    response.on('drain', done)
    response.on('close', done)
  })
}
