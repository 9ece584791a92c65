// Lambda entry of the document publisher (DynamoDB stream and CloudFormation custom resource events).
import { createDeps, createHandler, loadConfig } from '../publisher.js';

export const handler = createHandler(createDeps(loadConfig(process.env)));
