import type {
  ComfyTetherError,
  ComfyTetherErrorByCode,
  ComfyTetherErrorCode,
  ExecutionFailedError,
  InvalidArgumentError,
  PromptRejectedError,
  ServerMismatchError,
  TaskLostError,
  TaskLostReason,
} from '../../src/index'
import { describe, expectTypeOf, it } from 'vitest'
import { isComfyTetherError } from '../../src/index'

declare const error: unknown

describe('isComfyTetherError narrows each code to its class', () => {
  it('EXECUTION_FAILED gives an ExecutionFailedError with nodeType and traceback', () => {
    if (isComfyTetherError(error, 'EXECUTION_FAILED')) {
      expectTypeOf(error).toExtend<ExecutionFailedError>()
      expectTypeOf(error.code).toEqualTypeOf<'EXECUTION_FAILED'>()
      expectTypeOf(error.nodeType).toEqualTypeOf<string>()
      expectTypeOf(error.traceback).toEqualTypeOf<readonly string[]>()
    }
    // Checked outside any branch as well, through what a narrowing function returns.
    const narrowed = (value: unknown) => (isComfyTetherError(value, 'EXECUTION_FAILED') ? value : undefined)
    expectTypeOf(narrowed).returns.toEqualTypeOf<(ExecutionFailedError & { readonly code: 'EXECUTION_FAILED' }) | undefined>()
    expectTypeOf<NonNullable<ReturnType<typeof narrowed>>['traceback']>().toEqualTypeOf<readonly string[]>()
  })

  it('narrows other codes to their classes', () => {
    expectTypeOf(isComfyTetherError<'SERVER_MISMATCH'>).guards.toExtend<ServerMismatchError>()
    expectTypeOf(isComfyTetherError<'PROMPT_REJECTED'>).guards.toExtend<PromptRejectedError>()
    expectTypeOf<ComfyTetherErrorByCode['PROMPT_REJECTED']['nodeErrors']>().toEqualTypeOf<PromptRejectedError['nodeErrors']>()
    expectTypeOf<ComfyTetherErrorByCode['TASK_LOST']['reason']>().toEqualTypeOf<TaskLostReason>()
    expectTypeOf<ComfyTetherErrorByCode['TASK_LOST']>().toExtend<TaskLostError>()
  })

  it('keeps one code of the three that InvalidArgumentError carries', () => {
    expectTypeOf<ComfyTetherErrorByCode['INVALID_WORKFLOW']>().toExtend<InvalidArgumentError>()
    expectTypeOf<ComfyTetherErrorByCode['INVALID_WORKFLOW']['code']>().toEqualTypeOf<'INVALID_WORKFLOW'>()
  })

  it('maps every code to its own subclass, never to the bare base class', () => {
    // Each subclass names itself with a literal `name`; the base class's is `string`. A code left out of the map
    // (e.g. one added without its class) falls back to the base and shows up here.
    type FallsBackToBase = { [C in ComfyTetherErrorCode]: string extends ComfyTetherErrorByCode[C]['name'] ? C : never }[ComfyTetherErrorCode]
    expectTypeOf<FallsBackToBase>().toEqualTypeOf<never>()
    type CodeMatchesKey = { [C in ComfyTetherErrorCode]: ComfyTetherErrorByCode[C]['code'] extends C ? never : C }[ComfyTetherErrorCode]
    expectTypeOf<CodeMatchesKey>().toEqualTypeOf<never>()
  })

  it('the code literal sits on each class too', () => {
    expectTypeOf<ExecutionFailedError['code']>().toEqualTypeOf<'EXECUTION_FAILED'>()
    expectTypeOf<ServerMismatchError['code']>().toEqualTypeOf<'SERVER_MISMATCH'>()
  })

  it('without a code, narrows to the base class with any code', () => {
    const narrowed = (value: unknown) => (isComfyTetherError(value) ? value : undefined)
    expectTypeOf(narrowed).returns.toEqualTypeOf<ComfyTetherError | undefined>()
    if (isComfyTetherError(error))
      expectTypeOf(error.code).toEqualTypeOf<ComfyTetherErrorCode>()
  })
})
