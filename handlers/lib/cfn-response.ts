// How a keygate custom resource Lambda answers CloudFormation: an HTTPS PUT of the result to the event's
// pre-signed ResponseURL ("Custom resource response objects", AWS CloudFormation User Guide).
import { isHttpsOrLoopback } from '../../core/net.js';

/** Sends a custom resource's answer to CloudFormation (an HTTPS PUT to the pre-signed ResponseURL). */
export type CfnResponder = (url: string, body: string) => Promise<void>;

/** PUT of the answer; the pre-signed URL's signature covers no Content-Type, so none is sent. */
export const putCfnResponse: CfnResponder = async (url, body) => {
  const res = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`CloudFormation response URL answered HTTP ${res.status}`);
};

/** The ResponseURL, refused unless https (or loopback, for tests): the answer may name resources. */
export function checkedResponseUrl(responseUrl: string): string {
  const url = new URL(responseUrl);
  if (!isHttpsOrLoopback(url)) throw new TypeError('ResponseURL must use https');
  return url.href;
}
