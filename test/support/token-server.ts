// A scripted OAuth token endpoint on 127.0.0.1 for the token source's tests: each request takes the next
// answer from a script (the last one repeats), and every request is recorded with its form body and headers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TestServers } from './test-servers.js';

export interface ScriptedAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RecordedRequest {
  readonly path: string;
  readonly form: URLSearchParams;
  readonly authorization: string | undefined;
}

export interface TokenServer {
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly requests: RecordedRequest[];
  /** The next answers, in order; the last one repeats. */
  script(...answers: ScriptedAnswer[]): void;
}

export const tokenAnswer = (token: string, expiresIn = 3600, scope = 'orders/read'): ScriptedAnswer => ({
  status: 200,
  body: { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope },
});

export const errorAnswer = (
  status: number,
  error: string,
  headers: Record<string, string> = {},
): ScriptedAnswer => ({
  status,
  body: { error, error_description: `scripted ${error}` },
  headers,
});

export async function startTokenServer(servers: TestServers): Promise<TokenServer> {
  let answers: ScriptedAnswer[] = [tokenAnswer('token-1')];
  const requests: RecordedRequest[] = [];
  let issuer = '';
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path.endsWith('/.well-known/openid-configuration')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ issuer, token_endpoint: `${issuer}/oauth2/token` }));
        return;
      }
      requests.push({
        path,
        form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
        authorization: req.headers.authorization,
      });
      const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  };
  const base = await servers.http(handler, '/prod');
  issuer = base;
  return {
    issuer,
    tokenEndpoint: `${issuer}/oauth2/token`,
    requests,
    script(...next) {
      answers = next;
    },
  };
}
