export type {
  ComfySimulator,
  ComfySimulatorOptions,
  MalformedFrameKind,
  SimulatorRequest,
  SimulatorState,
  SimulatorVersion,
} from './types'
export type { SimulatorAuth } from './auth'
export type { HistoryEdit } from './answer-faults'
export { createComfySimulator, startSimulators } from './simulator'
export { createManualClock } from './clock'
export type { ManualClock, SimulatorClock } from './clock'
export { RECORDED_TIMING } from './timing'
export type { SimulatorTiming } from './timing'
export { BINARY_EVENT, decodeBinaryFrame, PREVIEW_IMAGE_TYPE } from './binary-frames'
export type { DecodedBinaryFrame } from './binary-frames'
export { createImage, decodePng, encodePng } from './png'
export type { SimImage } from './png'
export { listTranscripts, loadTranscript, samplePng } from './transcripts'
export type { RecordedFrame, RecordedHttp, Transcript, TranscriptEvent } from './transcripts'
export { replayTranscript } from './replay'
export { quietHappyDomNetworkLog } from './quiet-network-log'
export type { ActualFrame, ReplayOptions, ReplayResult } from './replay'
export { MissingDependencyError, SIMULATOR_INSTALL_COMMAND } from '../core/missing-dependency-error'
