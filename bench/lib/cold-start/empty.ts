// Cold-start floor: a module that verifies nothing, so the table shows what Node itself costs.
export async function handler(event: { authorizationToken: string }): Promise<unknown> {
  return { sub: event.authorizationToken.length > 0 ? 'client-1' : '' };
}
