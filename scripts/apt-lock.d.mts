/** What {@link aptGetWaitingForLock} runs: one apt-get call, its exit status and stderr. */
export type AptRun = (args: readonly string[], env: NodeJS.ProcessEnv) => { status: number, stderr: string }

export interface AptLockOptions {
  /** How many times apt-get runs at most while the lock is busy (default 30). */
  attempts?: number
  /** The wait between tries, in ms (default 10 000). */
  delayMs?: number
  env?: NodeJS.ProcessEnv
  run?: AptRun
  sleep?: (ms: number) => Promise<void>
  log?: (line: string) => void
}

export function isAptLockBusy(stderr: string): boolean
export function aptGetWaitingForLock(args: readonly string[], options?: AptLockOptions): Promise<string | undefined>
