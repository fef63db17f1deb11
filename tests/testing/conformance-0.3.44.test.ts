import { describeConformance } from './conformance'

describeConformance('0.3.44', 'v0.3.44-c5de495-cpu')
