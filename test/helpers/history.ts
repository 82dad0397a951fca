// Reads a run's full history as text, so tests can search it (secrets, rejected updates, event counts).
import type { Client } from '@temporalio/client';

export async function fetchHistory(client: Client, workflowId: string) {
  return client.workflow.getHandle(workflowId).fetchHistory();
}

/** The history as JSON, with every payload's bytes decoded to text so that a search finds values inside them. */
export async function historyText(client: Client, workflowId: string): Promise<string> {
  const history = await fetchHistory(client, workflowId);
  return JSON.stringify(history, (key, value) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    // Payload bytes serialise as base64 text.
    if (key === 'data' && typeof value === 'string') return Buffer.from(value, 'base64').toString('utf8');
    if (value && typeof value === 'object' && value.type === 'Buffer' && Array.isArray(value.data)) {
      return Buffer.from(value.data).toString('utf8');
    }
    return value;
  });
}
