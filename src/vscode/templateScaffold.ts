/**
 * Text of a new template written by "Baton: New Template". Commented so a first-time author
 * learns the format from the file itself. No vscode import: the unit tier validates it.
 */

/** Template ids: lower-case words joined by dashes (they become file names and CLI arguments). */
export const TEMPLATE_ID_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Why `id` cannot be a template id, or undefined when it can. */
export function templateIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'Enter an id, e.g. fix-tests';
  if (id.length > 64) return 'At most 64 characters';
  if (!TEMPLATE_ID_PATTERN.test(id)) return 'Lower-case letters, digits and single dashes, starting with a letter (e.g. fix-tests)';
  return undefined;
}

export function templateScaffold(id: string): string {
  const name = id
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
  return `# A Baton workflow template. Run it with "Baton: Run Workflow Template" or \`baton run ${id}\`.
# Each step runs once per run; a run that fails or is stopped resumes at the step that
# did not finish, never redoing finished steps.
id: ${id}
name: ${name}
description: Describe what this workflow does and when to use it.
category: general
# Phases group steps in the runs view (optional).
phases: [prepare, check]

# Inputs are JSON Schema properties; they are asked for when the run starts.
inputs:
  properties:
    target:
      type: string
      description: What to work on
      default: src
  required: [target]

steps:
  # A script step. Write outputs as name=value lines to $BATON_OUTPUT.
  - id: list-files
    phase: prepare
    run: |
      echo "files=$(ls \${{ inputs.target }} | wc -l)" >> "$BATON_OUTPUT"

  # Steps wait for the steps they need and see their outputs.
  - id: report
    phase: check
    needs: [list-files]
    run: echo "\${{ inputs.target }} holds \${{ steps.list-files.outputs.files }} entries"

  # Other step kinds (see the docs):
  #   agent: claude | codex | gemini   with prompt: ...   (a fresh agent session per attempt)
  #   gate:  { message: Ship it? }      waits for a human to approve or reject
`;
}
