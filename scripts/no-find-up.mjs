// What yargs' ESM build imports from escalade/sync: a search up the folders for a package.json,
// which it runs at every start to guess a version (this tool gives its own) — from the folder
// above node_modules or the current one, listing each folder up to the root and reading the
// user's package.json. Nothing is searched: yargs then takes its guess as unknown, never used.
export default function findUp() {
  return undefined;
}
