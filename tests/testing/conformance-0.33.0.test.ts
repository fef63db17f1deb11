import { describeConformance } from './conformance'

const RACE = 'the second POST /prompt lands while the first prompt\'s 1 ms EmptyImage runs; its status comes before that node ends in the recording, after it in the simulator'
describeConformance('0.33.0', 'v0.33.0-783545f-cpu', 'v0.33.0-783545f-gpu', 14, { 13: RACE, 14: RACE })
