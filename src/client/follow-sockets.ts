// Second sockets for resumed prompts sent under another clientId (see follow-socket-set.ts): only `resume()` opens
// one, so their code loads with it (load-resume.ts).
import type { ComfySocketFactory } from './socket'

/** What the follow sockets need besides the engine. */
export interface FollowSocketsContext {
  socket: ComfySocketFactory
  /** The client's frame handler: frames are routed by prompt id to the task, as the tether's own socket's are. */
  onFrame: (server: string, data: unknown) => void
}
