import { describeConformance } from './conformance'

describeConformance('0.33.0', 'v0.33.0-783545f-cpu', 'v0.33.0-783545f-gpu', 14)
