/** Git sources: staged changes, commit ranges (and pushes), the whole history. */
export { stagedSource, type StagedSourceOptions } from './staged.js';
export {
  assertHistoryAvailable,
  commitsSource,
  COMMIT_MESSAGE_PATH,
  listRangeCommits,
  parsePushLines,
  resolvePushRange,
  verifyCommit,
  type CommitsSourceOptions,
  type PushUpdate,
} from './commits.js';
export { historySource, type HistoryProgress, type HistorySource, type HistorySourceOptions } from './history.js';
export { openRepo, UNSHALLOW_HINT, type RepoInfo } from './repo.js';
