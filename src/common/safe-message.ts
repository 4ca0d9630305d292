/**
 * An error message fit for run records and logs: the first line only, with quoted values and any
 * echoed input removed, because database errors quote the row content that caused them.
 */
export function safeMessage(error: unknown, limit = 300): string {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n')[0];
  const withoutInput = firstLine.replace(/\s*Input:.*$/i, '');
  const scrubbed = withoutInput.replace(/'[^']*'/g, "'…'").replace(/"[^"]*"/g, '"…"');
  return scrubbed.length > limit ? `${scrubbed.slice(0, limit)}…` : scrubbed;
}
