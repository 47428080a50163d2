/* eslint-disable @typescript-eslint/no-require-imports */

export type Mjml2Html = (input: string, options?: Record<string, unknown>) => Promise<{ html: string; errors: MjmlIssue[] }>;
export interface MjmlIssue {
  readonly line: number;
  readonly message: string;
  readonly tagName: string;
  readonly formattedMessage?: string;
}

/**
 * MJML assembled as the `mjml` package does it (its lib/index.js): mjml-core with the standard
 * components and their validation rules. herald depends on these parts rather than on `mjml`,
 * whose command line, file watcher and their dependencies a production install does not need.
 * Required once (it registers the components in mjml-core's registry as it loads).
 */
interface Registries {
  readonly components: Record<string, unknown>;
  readonly dependencies: Record<string, unknown>;
}
const core = require('mjml-core') as { default: Mjml2Html; components: Registries['components']; assignComponents(to: object, from: object): void };
const validator = require('mjml-validator') as { dependencies: Registries['dependencies']; assignDependencies(to: object, from: object): void };
const preset = require('mjml-preset-core') as Registries;

core.assignComponents(core.components, preset.components);
validator.assignDependencies(validator.dependencies, preset.dependencies);

export const mjml2html: Mjml2Html = (input, options = {}) => core.default(input, options);
