// The one error line every admin CLI (`clients`, `keys`) writes to stderr: `error: <message>; <hint>` for a
// person, or with --json one JSON object `{"error":{"code","message","hint"?}}` a script can parse.

export function errorLine(json: boolean, code: string, message: string, hint?: string): string {
  if (json) return `${JSON.stringify({ error: { code, message, ...(hint ? { hint } : {}) } })}\n`;
  return `error: ${message}${hint ? `; ${hint}` : ''}\n`;
}
