// captureServerDate: the second of DynamoDB's own answer (its Date header) through the real SDK client
// against dynalite on an injected clock; no Date, no time (never the local clock).
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError } from '../../../core/issuer/errors.js';
import { captureServerDate } from '../../../core/issuer/server-clock.js';
import { type DynaliteServer, localDynamo, startDynalite } from '../../../fixtures/dynalite.js';

let db: DynaliteServer;
let serverMs = 0;
beforeAll(async () => {
  db = await startDynalite({ clock: () => serverMs });
});
afterAll(() => db.close());

describe('captureServerDate', () => {
  it.each([
    ['a second boundary', Date.parse('2031-05-01T12:00:00.000Z')],
    ['late in a second (rounded down, as HTTP dates are)', Date.parse('2031-05-01T12:00:00.999Z')],
    ['an hour off the machine clock', Date.now() - 3_600_000],
  ])('reads the server second at %s', async (_, ms) => {
    serverMs = ms;
    const dynamodb = localDynamo(db.endpoint);
    const capture = captureServerDate(new ListTablesCommand({}));
    await dynamodb.send(capture.command);
    expect(capture.seconds()).toBe(Math.floor(ms / 1000));
    dynamodb.destroy();
  });

  it('refuses to answer before the command was sent or when the answer had no Date', async () => {
    const capture = captureServerDate(new ListTablesCommand({}));
    expect(() => capture.seconds()).toThrow(RegistryError);
    const dynamodb = localDynamo(db.endpoint);
    dynamodb.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        delete (result.response as { headers: Record<string, string> }).headers.date;
        return result;
      },
      { step: 'deserialize', name: 'dropDate', priority: 'low' },
    );
    await dynamodb.send(capture.command);
    expect(() => capture.seconds()).toThrow(
      expect.objectContaining({
        code: 'dependency_unavailable',
        message: expect.stringContaining('Date header'),
      }),
    );
    dynamodb.destroy();
  });
});
