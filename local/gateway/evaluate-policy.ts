// Evaluates an authorizer policy document against one method ARN the way API Gateway does (IAM policy
// logic): an explicit Deny that applies wins, else any applicable Allow allows, else implicit deny.
// The local gateway emulator and the tests use this to check what API Gateway would answer: explicit and
// implicit deny both give 403, with different messages (docs/design.md#gateway-responses).
import { arnMatches } from './arn-match.js';

export type PolicyDecision = 'allow' | 'explicit_deny' | 'implicit_deny';

/** The only action an execute-api authorizer policy is evaluated for. */
const INVOKE_ACTION = 'execute-api:invoke';

// A pattern list as an array; undefined when the member is missing or not strings (malformed).
function patterns(value: unknown): readonly string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return undefined;
}

// Action names are case-insensitive in IAM; resource ARNs are case-sensitive.
function anyActionMatches(list: readonly string[]): boolean {
  for (const p of list) if (arnMatches(p.toLowerCase(), INVOKE_ACTION)) return true;
  return false;
}

function anyResourceMatches(list: readonly string[], arn: string): boolean {
  for (const p of list) if (arnMatches(p, arn)) return true;
  return false;
}

// Whether a statement applies to Invoke on `methodArn`. Malformed statements never apply.
function applies(st: Record<string, unknown>, methodArn: string): boolean {
  const action = st.Action !== undefined ? patterns(st.Action) : undefined;
  const notAction = st.NotAction !== undefined ? patterns(st.NotAction) : undefined;
  if (action !== undefined) {
    if (st.NotAction !== undefined || !anyActionMatches(action)) return false;
  } else if (notAction !== undefined) {
    if (anyActionMatches(notAction)) return false;
  } else return false;
  const resource = st.Resource !== undefined ? patterns(st.Resource) : undefined;
  const notResource = st.NotResource !== undefined ? patterns(st.NotResource) : undefined;
  if (resource !== undefined) return st.NotResource === undefined && anyResourceMatches(resource, methodArn);
  if (notResource !== undefined) return !anyResourceMatches(notResource, methodArn);
  return false;
}

/**
 * IAM evaluation of `policyDocument` for `execute-api:Invoke` on `methodArn`. Statements carrying a
 * `Condition` cannot be evaluated here (no request context): such an Allow is ignored and such a Deny
 * is applied, so an unknown condition can only make the answer stricter.
 */
export function evaluatePolicy(policyDocument: unknown, methodArn: string): PolicyDecision {
  if (typeof policyDocument !== 'object' || policyDocument === null) return 'implicit_deny';
  const raw = (policyDocument as { Statement?: unknown }).Statement;
  const statements: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  let allowed = false;
  for (const s of statements) {
    if (typeof s !== 'object' || s === null) continue;
    const st = s as Record<string, unknown>;
    if (st.Effect === 'Deny') {
      if (applies(st, methodArn)) return 'explicit_deny';
    } else if (st.Effect === 'Allow' && !allowed && st.Condition === undefined) {
      if (applies(st, methodArn)) allowed = true;
    }
  }
  return allowed ? 'allow' : 'implicit_deny';
}
