/**
 * The shape of herald's code, checked by `npm test` (docs/ARCHITECTURE.md explains each rule).
 * The pipeline's stages (discover → plan → render → deliver → record) are the core; commands,
 * serve and the CLI are the edge that wires them. The edge may use the core; the core never uses
 * the edge, and the stages keep to their own jobs.
 */
const CORE = '^src/(discover|feeds|plan|render|deliver|record|subscribers|unsubscribe)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle makes two modules one: neither can be read, tested or changed alone.',
      from: { path: '^(src|bench)/' },
      to: { circular: true },
    },
    {
      name: 'core-not-to-edge',
      severity: 'error',
      comment: 'The pipeline never reaches up into commands, serve or the CLI: they compose it, not the reverse.',
      from: { path: CORE },
      to: { path: '^src/(commands|serve)/|^src/(program|cli|app)\\.ts$' },
    },
    {
      name: 'plan-is-pure',
      severity: 'error',
      comment: 'planSend is a pure function of its inputs: no file system, no record, no SMTP, no rendering.',
      from: { path: '^src/plan/' },
      to: {
        path: '^src/(?!plan/|errors\\.ts$)|^(fs|node:fs|net|node:net|child_process|node:child_process|worker_threads|node:worker_threads)$',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'render-not-to-deliver-or-record',
      severity: 'error',
      comment: 'Rendering turns a post into a message; it knows nothing of how it is sent or recorded.',
      from: { path: '^src/render/' },
      to: { path: '^src/(deliver|record)/' },
    },
    {
      name: 'record-not-to-deliver-render-or-unsubscribe',
      severity: 'error',
      comment: 'The record stores what happened; the ports it fills are declared by the stages that use it.',
      from: { path: '^src/record/' },
      to: { path: '^src/(deliver|render|unsubscribe)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // type-only imports are real edges of the design, and the plan rule tells them apart
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
