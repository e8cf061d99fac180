import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';

/** The rejection of `p`, which must reject with an ApiException: its code and Status body. */
export async function rejection(p: Promise<unknown>): Promise<{ code: number; status: any }> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof k8s.ApiException, `expected an ApiException, got ${err}`);
    return { code: err.code, status: JSON.parse(err.body as string) };
  }
  assert.fail('the request succeeded');
}
