import type { SimResponse } from './http-util'
import { pyJson } from './py-json'

/** Rewrites one history entry (the decoded JSON) as a broken or unusual server would write it. */
export type HistoryEdit = (entry: Record<string, unknown>, promptId: string) => unknown

/** What a lost frame becomes: nothing (`drop`), or its first half (`truncate`, as a proxy cutting a big frame would). */
export type FrameLoss = 'drop' | 'truncate'

/**
 * Faults of a server that answers but breaks the protocol, or of the network around it: refused socket upgrades,
 * a black hole (TCP accepted, nothing answered), lost or cut frames of one type, repeated prompt ids, history
 * entries without `status`.
 */
export class ProtocolFaults {
  /** HTTP status the socket upgrade is refused with, or `null`. */
  refuseUpgrade: number | null = null
  /** Accept connections and never answer (HTTP or upgrade). */
  blackHole = false
  readonly frameLosses: { type: string, remaining: number, how: FrameLoss }[] = []
  /** POST /prompt answers left that repeat the previous prompt id. */
  repeatPromptIds = 0
  /** Strip `status` from history entries. */
  historyWithoutStatus = false
  /** Rewrites each history entry on its way out (a custom node's odd output), or `null`. */
  historyEdit: HistoryEdit | null = null
  #lastPromptId: string | null = null

  loseFrames(type: string, count: number, how: FrameLoss = 'drop'): void {
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError(`[comfy-tether] loseFrames: count must be an integer >= 0, got ${count}`)
    if (how !== 'drop' && how !== 'truncate')
      throw new RangeError(`[comfy-tether] loseFrames: how must be 'drop' or 'truncate', got ${JSON.stringify(how)}`)
    if (count > 0)
      this.frameLosses.push({ type, remaining: count, how })
  }

  /** The payload to send for a frame of `type` (`null`: send nothing). */
  frame(type: string, payload: string): string | null {
    const rule = this.frameLosses.find(r => r.type === type)
    if (!rule)
      return payload
    rule.remaining--
    if (rule.remaining <= 0)
      this.frameLosses.splice(this.frameLosses.indexOf(rule), 1)
    return rule.how === 'drop' ? null : payload.slice(0, Math.floor(payload.length / 2))
  }

  /** Rewrites an answer as the faults say. */
  answer(method: string, path: string, response: SimResponse): SimResponse {
    const route = path.startsWith('/api/') ? path.slice(4) : path
    if (method === 'POST' && route === '/prompt' && response.status === 200) {
      const body = JSON.parse(response.body.toString('utf8')) as { prompt_id: string }
      if (this.repeatPromptIds > 0 && this.#lastPromptId !== null) {
        this.repeatPromptIds--
        return rewrite(response, { ...body, prompt_id: this.#lastPromptId })
      }
      this.#lastPromptId = body.prompt_id
    }
    if (this.historyWithoutStatus && method === 'GET' && route.startsWith('/history') && response.status === 200) {
      const body = JSON.parse(response.body.toString('utf8')) as Record<string, Record<string, unknown>>
      response = rewrite(response, Object.fromEntries(Object.entries(body).map(([id, entry]) => {
        const { status: _status, ...rest } = entry
        return [id, rest]
      })))
    }
    const edit = this.historyEdit
    if (edit && method === 'GET' && route.startsWith('/history') && response.status === 200) {
      const body = JSON.parse(response.body.toString('utf8')) as Record<string, Record<string, unknown>>
      // Written as Python's json.dumps writes it: None as `null`, `": "` separators.
      const edited = Object.fromEntries(Object.entries(body).map(([id, entry]) => [id, edit(entry, id)]))
      return { ...response, body: Buffer.from(pyJson(edited)) }
    }
    return response
  }

  clear(): void {
    this.refuseUpgrade = null
    this.blackHole = false
    this.frameLosses.length = 0
    this.repeatPromptIds = 0
    this.historyWithoutStatus = false
    this.historyEdit = null
  }
}

function rewrite(response: SimResponse, json: unknown): SimResponse {
  return { ...response, body: Buffer.from(JSON.stringify(json)) }
}
