// The tool's version, a constant of the build rather than a read of package.json at run time, so that the
// pure plan core can hash it into the plan id (plan/plan-id.ts). test/unit/tool-version.test.ts holds it
// equal to package.json's "version", which the release and `version --client` use.
export const TOOL_VERSION = '0.1.0';
