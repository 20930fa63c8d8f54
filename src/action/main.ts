/**
 * The Action's entry, bundled to dist/action.js (named in action.yml). It scans with worker threads
 * (a folder, a history), so it sets the V8 flags such runs of the bin set (src/parallel/spare.ts:
 * optimize later, compile regexes straight to machine code) before any starts; then it runs.
 */
import { setV8Flags } from '../builtin.js';
import { WORKER_V8_FLAGS } from '../parallel/spare.js';
import { run } from './core.js';

setV8Flags(WORKER_V8_FLAGS);
await run();
