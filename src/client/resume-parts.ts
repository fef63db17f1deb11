// The chunk `resume()` loads on its first call (load-resume.ts): resume() itself and the follow sockets of the prompts
// it resumes under another clientId.
export { startFollowSockets } from './follow-socket-set'
export { createResume } from './resume'
