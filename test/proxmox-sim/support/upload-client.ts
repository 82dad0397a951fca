// A file upload as clients send it: multipart/form-data with the fields first and the file in the part named
// "filename" (go-proxmox's Client.Upload, the GUI's FormData), over the simulator's HTTPS with its CA.
import { randomBytes } from 'node:crypto';
import type { Credentials, RawResponse, SimClient } from '../helpers';

export interface FilePart {
  /** The form field the file travels in: "filename" for PVE. */
  field?: string;
  filename: string;
  data: Buffer;
}

export function multipartBody(fields: Record<string, string>, file?: FilePart): { body: Buffer; contentType: string } {
  const boundary = `----cozy${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'filename'}"; filename="${file.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
    parts.push(file.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** POSTs a raw body to an API path and returns what the client sees. */
export function postBody(client: SimClient, path: string, auth: Credentials, body: Buffer | string, contentType: string): Promise<RawResponse> {
  return client.request('POST', path, { auth, body, contentType });
}

export async function upload(client: SimClient, node: string, storage: string, auth: Credentials, fields: Record<string, string>, file: FilePart): Promise<RawResponse> {
  const { body, contentType } = multipartBody(fields, file);
  return postBody(client, `/nodes/${node}/storage/${storage}/upload`, auth, body, contentType);
}
