/** A Python exception raised by a simulated node: becomes `execution_error` (`exception_type`, `exception_message`). */
export class PyException extends Error {
  constructor(readonly pyType: string, message: string, readonly frames: readonly string[] = []) {
    super(message)
    this.name = 'PyException'
  }
}

/** ComfyUI's `InterruptProcessingException`: becomes `execution_interrupted`. */
export class InterruptProcessing extends Error {
  constructor() {
    super('Processing interrupted')
    this.name = 'InterruptProcessing'
  }
}

/** Thrown into a running prompt when the simulator restarts or closes: the prompt vanishes without a message. */
export class ExecutionAborted extends Error {
  constructor() {
    super('Execution aborted by restart or close')
    this.name = 'ExecutionAborted'
  }
}

/** One frame of a made-up Python traceback pointing into the simulator. */
export function simFrame(fn: string, line: string): string {
  return `  File "<simulator>/comfy-tether/testing", line 1, in ${fn}\n    ${line}\n`
}
