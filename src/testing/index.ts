export type {
  ComfySimulator,
  ComfySimulatorOptions,
  MalformedFrameKind,
  SimulatorRequest,
  SimulatorState,
  SimulatorVersion,
} from './types'
export type { SimulatorAuth } from './auth'
export { createComfySimulator, startSimulators } from './simulator'
export { BINARY_EVENT, decodeBinaryFrame, PREVIEW_IMAGE_TYPE } from './binary-frames'
export type { DecodedBinaryFrame } from './binary-frames'
export { createImage, decodePng, encodePng } from './png'
export type { SimImage } from './png'
export { listTranscripts, loadTranscript, samplePng } from './transcripts'
export type { RecordedFrame, RecordedHttp, Transcript, TranscriptEvent } from './transcripts'
export { replayTranscript } from './replay'
export type { ActualFrame, ReplayOptions, ReplayResult } from './replay'
export { compareReplay } from './shape-compare'
export { compareFrameOrder, compareStatusOrder, recordedStatusOrder } from './order-compare'
export type { Allowance } from './shape-compare'
export { MissingDependencyError, SIMULATOR_INSTALL_COMMAND } from '../core/missing-dependency-error'
