// The house's layering, checked on every `npm run lint` (docs/development.md explains each rule).
// "Ours" is every module resolved inside the repository (dependency type `local`); Node's own modules
// and packages from node_modules are never restricted here.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle, type-only ones included: the modules in it can no longer be read, tested or moved one at a time.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-inward',
      severity: 'error',
      comment: 'src/domain is the vocabulary everything else speaks; it depends on nothing of ours outside itself.',
      from: { path: '^src/domain/' },
      to: { dependencyTypes: ['local'], pathNot: '^src/domain/' },
    },
    {
      name: 'kith-inward',
      severity: 'error',
      comment: 'src/kith reads and writes KITH messages; it may use the domain, the ports and the error table, never the pipeline, HTTP or adapters.',
      from: { path: '^src/kith/' },
      to: { dependencyTypes: ['local'], pathNot: ['^src/kith/', '^src/domain/', '^src/ports/', '^src/errors\\.ts$'] },
    },
    {
      name: 'ports-import-nothing',
      severity: 'error',
      comment: 'src/ports holds interfaces only; an import from there would pull an implementation into every user of the port.',
      from: { path: '^src/ports/' },
      to: { dependencyTypes: ['local'], pathNot: '^src/ports/' },
    },
    {
      name: 'no-demo-in-production',
      severity: 'error',
      comment:
        "Production code does not import demo/ (the production image leaves it out). Only the tester's CLI commands may load the demo's simulator and stand-ins.",
      from: { path: '^(src|adapters)/', pathNot: '^src/cli/' },
      to: { path: '^demo/' },
    },
    {
      name: 'no-tests-in-production',
      severity: 'error',
      comment: 'test/ and bench/ are not shipped; code under src/, adapters/ and demo/ must not need them.',
      from: { path: '^(src|adapters|demo)/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import the cruiser cannot resolve is invisible to every rule above, so it fails the check too.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Count `import type` too: a type-only cycle is still a cycle between the modules.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // The sources import './x.js' for './x.ts' (NodeNext); with tsConfig set the cruiser resolves those to
    // the .ts file (the not-to-unresolvable rule proves it does).
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      exportsFields: ['exports'],
      mainFields: ['module', 'main', 'types'],
    },
  },
};
