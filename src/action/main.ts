/** The Action's entry, bundled to dist/action.js (named in action.yml). All it does is run. */
import { run } from './core.js';

await run();
