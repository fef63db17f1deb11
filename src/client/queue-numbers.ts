/**
 * A restart told by prompt numbers. ComfyUI numbers the prompts it accepts from 0 upwards, per process; the answers of
 * concurrent `POST /prompt` may reach us in any order, so an answer is compared only with the numbers answered before
 * its request was sent: a lower one means the server started counting again (it restarted).
 */
export interface QueueNumbers {
  /** Before a `POST /prompt` to `server`: what its answer will be compared with. */
  mark: (server: string) => number
  /** The answer's `number`, for a request sent at `mark`: `true` when the server restarted since. */
  answered: (server: string, mark: number, number: number) => boolean
}

/** Creates the prompt-number record of one client, per server. */
export function createQueueNumbers(): QueueNumbers {
  const highest = new Map<string, number>()
  return {
    mark: server => highest.get(server) ?? Number.NEGATIVE_INFINITY,
    answered(server, mark, number) {
      const restarted = number < mark
      highest.set(server, restarted ? number : Math.max(highest.get(server) ?? number, number))
      return restarted
    },
  }
}
