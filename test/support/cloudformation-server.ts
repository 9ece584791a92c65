// A test server on 127.0.0.1 (port 0) speaking the part of the CloudFormation query protocol `--stack` uses:
// DescribeStacks (form-encoded POST, XML answer), with the stacks a test declares; an unknown stack gets the
// ValidationError CloudFormation sends ("Stack with id X does not exist"). It records each StackName asked.
import type { TestServers } from './test-servers.js';

export interface TestCloudFormation {
  readonly endpoint: string;
  /** StackName of every DescribeStacks call, in order. */
  readonly asked: string[];
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `stacks`: stack name -> its outputs (OutputKey -> OutputValue). */
export async function startTestCloudFormation(
  servers: TestServers,
  stacks: Readonly<Record<string, Readonly<Record<string, string>>>>,
): Promise<TestCloudFormation> {
  const asked: string[] = [];
  const endpoint = await servers.http((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const name = form.get('StackName') ?? '';
      asked.push(name);
      const outputs = form.get('Action') === 'DescribeStacks' ? stacks[name] : undefined;
      res.setHeader('Content-Type', 'text/xml');
      if (!outputs) {
        res.writeHead(400);
        res.end(
          `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type>` +
            `<Code>ValidationError</Code><Message>Stack with id ${xml(name)} does not exist</Message></Error>` +
            '<RequestId>test</RequestId></ErrorResponse>',
        );
        return;
      }
      const members = Object.entries(outputs)
        .map(
          ([k, v]) => `<member><OutputKey>${xml(k)}</OutputKey><OutputValue>${xml(v)}</OutputValue></member>`,
        )
        .join('');
      res.writeHead(200);
      res.end(
        '<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult>' +
          `<Stacks><member><StackName>${xml(name)}</StackName><StackStatus>CREATE_COMPLETE</StackStatus>` +
          `<CreationTime>2026-12-01T00:00:00Z</CreationTime><Outputs>${members}</Outputs></member></Stacks>` +
          '</DescribeStacksResult><ResponseMetadata><RequestId>test</RequestId></ResponseMetadata></DescribeStacksResponse>',
      );
    });
  }, '');
  return { endpoint, asked };
}
